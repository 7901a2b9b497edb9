import type { ProxyStore } from './store.js';

const WINDOW_MS = 60_000;

/**
 * Requests per minute per visitor address, counted in the store so every instance shares one count (a
 * limit is not multiplied by the number of instances). Fixed one-minute windows: one atomic increment
 * per request.
 */
export class RateLimiter {
  constructor(
    private readonly store: ProxyStore,
    private readonly perMinute: number,
  ) {}

  /** 0 when the request may go ahead; otherwise the seconds until it may (answer 429 with Retry-After). */
  async take(address: string, now = Date.now()): Promise<number> {
    if (this.perMinute <= 0) return 0;
    const window = Math.floor(now / WINDOW_MS);
    const count = await this.store.increment(`rate:${address}:${window}`, WINDOW_MS);
    return count <= this.perMinute ? 0 : Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - now) / 1000));
  }
}
