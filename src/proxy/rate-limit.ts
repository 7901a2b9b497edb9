/** A token bucket per visitor address: `perMinute` tokens, refilled continuously. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly maxAddresses = 50_000,
  ) {}

  /** True when the request may go ahead; false means answer 429. */
  take(address: string, now = Date.now()): boolean {
    if (this.perMinute <= 0) return true;
    const bucket = this.buckets.get(address) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) * this.perMinute) / 60_000);
    bucket.at = now;
    this.buckets.delete(address);
    this.buckets.set(address, bucket); // Most recently seen last, so the oldest go first below.
    while (this.buckets.size > this.maxAddresses) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Seconds until the next token, for Retry-After. */
  retryAfter(): number {
    return Math.max(1, Math.ceil(60 / this.perMinute));
  }
}
