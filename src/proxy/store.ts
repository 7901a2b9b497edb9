/**
 * Where the proxy keeps its state: idempotency records, settle leases, paid-order records, visitor
 * grants, rate-limit counters. Values are strings (JSON where structured), so a shared store (Redis, a
 * Durable Object, a database) implements these calls with its own atomic operations. Every value has a
 * time to live; nothing is kept forever.
 */
export interface ProxyStore {
  /** The value under key, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores the value only when the key is absent; true when this caller created it. Atomic (Redis: SET NX PX). */
  create(key: string, value: string, ttlMs: number, options?: WriteOptions): Promise<boolean>;
  /** Stores the value whatever was there. */
  put(key: string, value: string, ttlMs: number, options?: WriteOptions): Promise<void>;
  /** Replaces the value only when it is still `expected`; true when replaced. Atomic (compare-and-set). */
  swap(key: string, expected: string, value: string, ttlMs: number, options?: WriteOptions): Promise<boolean>;
  /** Deletes the key only when it still holds `expected` (releasing a lease one holds). */
  deleteIf(key: string, expected: string): Promise<void>;
  /** Adds 1 and returns the new count; a new counter starts at 1 and lives ttlMs. Atomic. */
  increment(key: string, ttlMs: number): Promise<number>;
  /** Adds members to a set and renews its time to live. */
  addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void>;
  hasMember(key: string, member: string): Promise<boolean>;
  members(key: string): Promise<string[]>;
  /** Puts member on the schedule `key` to be due at atMs (moving it when already there). Kept until claimed. */
  schedule(key: string, member: string, atMs: number): Promise<void>;
  /** Takes a member off the schedule (it is no longer to be run). */
  unschedule(key: string, member: string): Promise<void>;
  /**
   * Removes and returns up to `limit` members due at nowMs. Atomic: across all instances each member is
   * returned to exactly one caller (Redis: ZRANGEBYSCORE + ZREM in one Lua script).
   */
  claimDue(key: string, nowMs: number, limit: number): Promise<string[]>;
}

export interface WriteOptions {
  /**
   * This value must outlive memory pressure until its time to live: an unsettled payment, a paid
   * order, a lease. A store that would have to evict one to make room refuses the write instead
   * (throws StoreFullError), so a key is never forgotten while a retry could charge it again.
   */
  keep?: boolean;
}

/** The store cannot take a value it must keep: answer 503 `store_full`, forward nothing. */
export class StoreFullError extends Error {
  override name = 'StoreFullError';
}

/** The store cannot be reached: money calls answer 503 `store_unavailable` and are not forwarded. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

interface Entry {
  value: string | Set<string> | Map<string, number>;
  expires: number;
  keep: boolean;
}

/**
 * One process's store: a Map with times to live. Past `maxEntries` the least recently written entries
 * that need not be kept are dropped (rate-limit counters, finished declines, session grants); entries
 * marked `keep` are never dropped before they expire, and when only those are left new ones are refused.
 */
export class MemoryStore implements ProxyStore {
  private entries = new Map<string, Entry>();

  constructor(readonly maxEntries = 100_000) {}

  private live(key: string, now = Date.now()): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private write(key: string, value: Entry['value'], ttlMs: number, keep = false): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.makeRoom(keep);
    this.entries.set(key, { value, expires: Date.now() + ttlMs, keep });
  }

  /** Drops expired entries, then the oldest that need not be kept; refuses a kept write when none can go. */
  private makeRoom(keep: boolean): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expires <= now) this.entries.delete(key);
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size < this.maxEntries) return;
      if (!entry.keep) this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries && keep) throw new StoreFullError('the store is full of records it must keep');
    // A value that need not be kept may exceed the cap by the kept ones; it is the first to go next time.
  }

  async get(key: string): Promise<string | undefined> {
    const value = this.live(key)?.value;
    return typeof value === 'string' ? value : undefined;
  }

  async create(key: string, value: string, ttlMs: number, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)) return false;
    this.write(key, value, ttlMs, options?.keep);
    return true;
  }

  async put(key: string, value: string, ttlMs: number, options?: WriteOptions): Promise<void> {
    this.write(key, value, ttlMs, options?.keep);
  }

  async swap(key: string, expected: string, value: string, ttlMs: number, options?: WriteOptions): Promise<boolean> {
    if (this.live(key)?.value !== expected) return false;
    this.write(key, value, ttlMs, options?.keep);
    return true;
  }

  async deleteIf(key: string, expected: string): Promise<void> {
    if (this.live(key)?.value === expected) this.entries.delete(key);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const entry = this.live(key);
    if (entry && typeof entry.value === 'string') {
      entry.value = String(Number(entry.value) + 1);
      return Number(entry.value);
    }
    this.write(key, '1', ttlMs);
    return 1;
  }

  async addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    const entry = this.live(key);
    const set = entry && entry.value instanceof Set ? entry.value : new Set<string>();
    for (const member of members) set.add(member);
    this.write(key, set, ttlMs, true);
  }

  async hasMember(key: string, member: string): Promise<boolean> {
    const value = this.live(key)?.value;
    return value instanceof Set && value.has(member);
  }

  async members(key: string): Promise<string[]> {
    const value = this.live(key)?.value;
    return value instanceof Set ? [...value] : [];
  }

  async schedule(key: string, member: string, atMs: number): Promise<void> {
    const entry = this.live(key);
    const due = entry && entry.value instanceof Map ? entry.value : new Map<string, number>();
    due.set(member, atMs);
    this.write(key, due, Number.MAX_SAFE_INTEGER / 2, true);
  }

  async unschedule(key: string, member: string): Promise<void> {
    const value = this.live(key)?.value;
    if (value instanceof Map) value.delete(member);
  }

  async claimDue(key: string, nowMs: number, limit: number): Promise<string[]> {
    const value = this.live(key)?.value;
    if (!(value instanceof Map)) return [];
    const due = [...value].filter(([, at]) => at <= nowMs).sort((a, b) => a[1] - b[1]).slice(0, limit).map(([member]) => member);
    for (const member of due) value.delete(member);
    return due;
  }

  get size(): number {
    return this.entries.size;
  }
}
