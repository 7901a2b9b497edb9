import type { ProxyStore } from './store.js';

const WINDOW_MS = 60_000;

/**
 * Requests per minute per visitor address, counted in the store so every instance shares one count (a
 * limit is not multiplied by the number of instances). A window opens at an address's first request
 * and lasts a minute: one atomic increment per request.
 */
export class RateLimiter {
  constructor(
    private readonly store: ProxyStore,
    private readonly perMinute: number,
  ) {}

  /** 0 when the request may go ahead; otherwise the seconds to wait (answer 429 with Retry-After). */
  async take(address: string): Promise<number> {
    if (this.perMinute <= 0) return 0;
    const count = await this.store.increment(`rate:${address}`, WINDOW_MS);
    return count <= this.perMinute ? 0 : WINDOW_MS / 1000;
  }
}
