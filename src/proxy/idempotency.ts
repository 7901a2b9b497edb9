/**
 * What the proxy remembers per Idempotency-Key. `pending`: forwarded, no answer yet; `done`: the
 * answer to replay; `unknown`: forwarded, but the answer was lost (timeout, reset, garbage), so a
 * retry must first ask Konnektive what happened before anything is sent again.
 */
export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string; startedAt: number }
  | { state: 'unknown'; fingerprint: string; startedAt: number }
  | { state: 'done'; fingerprint: string; startedAt: number; status: number; body: string; sessionId?: string };

/**
 * Where records live. The in-memory store serves one process; a deployment with several instances
 * plugs in a shared one (Redis, a database, Workers KV with Durable Objects) implementing these three
 * calls, where `create` must be atomic (Redis: SET key value NX PX ttl).
 */
export interface IdempotencyStore {
  get(key: string): Promise<IdempotencyRecord | undefined>;
  /** Stores the record only when the key is absent. True when this caller now owns the key. */
  create(key: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean>;
  put(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void>;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private records = new Map<string, { record: IdempotencyRecord; expires: number }>();

  /**
   * Past this many keys the oldest are dropped, so neither traffic nor abuse grows memory without
   * bound (a record is about a kilobyte). A key's protection is needed for the minutes a visitor
   * retries in; a shared store keeps them for the whole time to live.
   */
  constructor(private readonly maxKeys = 10_000) {}

  async get(key: string): Promise<IdempotencyRecord | undefined> {
    const entry = this.records.get(key);
    if (!entry) return undefined;
    if (entry.expires <= Date.now()) {
      this.records.delete(key);
      return undefined;
    }
    return entry.record;
  }

  async create(key: string, record: IdempotencyRecord, ttlMs: number): Promise<boolean> {
    if (await this.get(key)) return false;
    await this.put(key, record, ttlMs);
    return true;
  }

  async put(key: string, record: IdempotencyRecord, ttlMs: number): Promise<void> {
    this.records.delete(key);
    this.records.set(key, { record, expires: Date.now() + ttlMs });
    while (this.records.size > this.maxKeys) this.records.delete(this.records.keys().next().value as string);
  }

  get size(): number {
    return this.records.size;
  }
}
