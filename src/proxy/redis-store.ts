/**
 * The proxy's state in Redis, shared by every instance behind a load balancer. node-redis's client
 * (`@redis/client`, an optional dependency) is loaded only when a Redis URL is configured. Two steps
 * that must not interleave run as one Lua script; every key has a time to live; every key starts with
 * a prefix. When Redis cannot be reached, calls fail at once with StoreUnavailableError (no offline
 * queue, a short command timeout), so money calls answer 503 instead of hanging or going out unguarded.
 */
import { StoreFullError, StoreUnavailableError, type ProxyStore, type WriteOptions } from './store.js';

export interface RedisStoreOptions {
  /** redis://[user:password@]host[:port][/db] or rediss:// (TLS). */
  url: string;
  /** Starts every key (KFUNNEL_REDIS_PREFIX); default `kfunnel:`. */
  prefix?: string;
  /** How long one command may take before the store counts as unavailable. */
  commandTimeoutMs?: number;
  /** Where the once-per-transition lines go (unavailable / back / eviction warning). */
  log?: (line: string) => void;
}

export const DEFAULT_REDIS_PREFIX = 'kfunnel:';

/** The part of node-redis's client this store uses; typed here so the package stays optional. */
interface Client {
  connect(): Promise<unknown>;
  sendCommand<T = unknown>(args: string[], options?: { timeout?: number }): Promise<T>;
  on(event: string, listener: (...args: never[]) => void): unknown;
  destroy(): void;
  close?(): Promise<void>;
  quit?(): Promise<unknown>;
  isReady: boolean;
}

/** A schedule lives as long as it keeps getting members; an instance claims due ones within seconds. */
const SCHEDULE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

// Each script runs atomically in Redis: no other command interleaves between its steps.
const SCRIPTS = {
  /** Compare-and-set: replace only when the value is still the expected one. */
  swap: `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 end return 0`,
  /** Delete only when the value is still the expected one (releasing a lease one holds). */
  deleteIf: `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`,
  /** A counter that lives ttl from its first increment, never longer (the TTL is set on creation). */
  increment: `local n = redis.call('INCR', KEYS[1]) if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end return n`,
  /** Members added and the set's time to live renewed together, so a set never outlives its TTL. */
  addToSet: `redis.call('SADD', KEYS[1], unpack(ARGV, 2)) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return 1`,
  /** Put on the schedule (or move) and keep the schedule alive. */
  schedule: `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]) redis.call('PEXPIRE', KEYS[1], ARGV[3]) return 1`,
  /** Due members, removed as they are read: across instances each is returned to one caller only. */
  claimDue: `local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2])) if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end return due`,
} as const;
type ScriptName = keyof typeof SCRIPTS;

/** Checks a Redis URL without connecting: a bad one is a clear error at start, not a silent 503 later. */
export function parseRedisUrl(url: string): { host: string; port: number; tls: boolean } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`KFUNNEL_REDIS_URL is not a URL (expected redis://host:6379 or rediss://host:6380)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`KFUNNEL_REDIS_URL must start with redis:// or rediss:// (got "${parsed.protocol}")`);
  }
  if (!parsed.hostname) throw new Error('KFUNNEL_REDIS_URL names no host');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new Error(`KFUNNEL_REDIS_URL: the path must be a database number (got "/${db}")`);
  return { host: parsed.hostname, port: Number(parsed.port || 6379), tls: parsed.protocol === 'rediss:' };
}

interface ClientModule {
  createClient(options: unknown): Client;
  /** What Redis itself answered with an error (as opposed to a connection problem). */
  ErrorReply: new (...args: never[]) => Error;
}

/**
 * The client packages, named through variables: a bundler for an edge runtime (wrangler, esbuild) then
 * leaves them out instead of trying to bundle a Node-only client that is never loaded there.
 */
const CLIENT_PACKAGES = ['@redis/client', 'redis'];

async function loadClientModule(): Promise<ClientModule> {
  // The full `redis` package re-exports the same client.
  for (const name of CLIENT_PACKAGES) {
    try {
      return (await import(name)) as ClientModule;
    } catch {
      // try the next
    }
  }
  throw new Error('KFUNNEL_REDIS_URL is set but the Redis client is not installed: run `npm install @redis/client`');
}

export class RedisStore implements ProxyStore {
  readonly prefix: string;
  readonly host: string;
  readonly port: number;
  private readonly commandTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly shas = new Map<ScriptName, string>();
  private client: Client | undefined;
  private replyError: ClientModule['ErrorReply'] | undefined;
  /** Settles after the first connection attempt (either way): commands made while starting wait for it. */
  private readonly started: Promise<void>;
  private available = true;
  private closed = false;

  constructor(private readonly options: RedisStoreOptions) {
    const { host, port } = parseRedisUrl(options.url);
    this.host = host;
    this.port = port;
    this.prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.log = options.log ?? ((line) => console.error(line));
    this.started = this.start();
  }

  /** How the start banner names this store. */
  get description(): string {
    return `Redis at ${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port} (prefix ${this.prefix})`;
  }

  private async start(): Promise<void> {
    let module: ClientModule;
    try {
      module = await loadClientModule();
    } catch (error) {
      this.log(`[kfunnel] store: ${(error as Error).message}`);
      return;
    }
    if (this.closed) return;
    const client = module.createClient({
      url: this.options.url,
      // A command while disconnected fails at once instead of waiting in a queue for a reconnection.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 2000,
        // Keep trying, quickly at first, at most every 2 s: the proxy recovers by itself.
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 5), 2000),
      },
    });
    this.client = client;
    this.replyError = module.ErrorReply;
    // Without a listener an 'error' event would crash the process; the transition is logged instead.
    client.on('error', (error: Error) => this.setAvailable(false, error));
    client.on('ready', () => {
      this.setAvailable(true);
      void this.checkEviction();
    });
    let first: () => void = () => {};
    const firstAttempt = new Promise<void>((resolve) => (first = resolve));
    client.on('ready', () => first());
    client.on('error', () => first());
    client.connect().catch(() => first());
    await firstAttempt;
  }

  private setAvailable(available: boolean, cause?: unknown): void {
    if (available === this.available || this.closed) return;
    this.available = available;
    const why = cause ? `: ${String((cause as Error)?.message ?? cause).slice(0, 120)}` : '';
    this.log(available ? `[kfunnel] store: redis back (${this.host}:${this.port})` : `[kfunnel] store: redis unavailable (${this.host}:${this.port}${why}); money calls answer 503 until it is back`);
  }

  /** Redis refusing commands (NOAUTH, READONLY, ...) is said once per kind, so 503s are never unexplained. */
  private readonly refusals = new Set<string>();
  private noteRefusal(message: string): void {
    const kind = message.split(' ', 1)[0] ?? '';
    if (kind === 'WRONGTYPE' || this.refusals.has(kind)) return;
    this.refusals.add(kind);
    this.log(`[kfunnel] store: redis refused a command: ${message.slice(0, 160)}`);
  }

  /** Evicting a lease or a paid-order record could let a retry charge twice: say so when Redis may evict. */
  private async checkEviction(): Promise<void> {
    try {
      const info = await this.command<string>(['INFO', 'memory']);
      const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1];
      if (policy && policy !== 'noeviction') {
        this.log(`[kfunnel] store: warning: Redis maxmemory-policy is ${policy}; set it to noeviction, or Redis may drop a record that stops a double charge`);
      }
    } catch {
      // Checked again on the next connection.
    }
  }

  /** One command; a connection problem or timeout becomes StoreUnavailableError, a full Redis StoreFullError. */
  private async command<T>(args: string[]): Promise<T> {
    await this.started;
    const client = this.client;
    if (!client || this.closed) throw new StoreUnavailableError('redis: no client');
    try {
      const reply = await client.sendCommand<T>(args, { timeout: this.commandTimeoutMs });
      if (!this.available) this.setAvailable(true);
      return reply;
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      // Redis answered, refusing a write over maxmemory (noeviction): nothing may be dropped to make room.
      if (message.startsWith('OOM')) throw new StoreFullError('redis: out of memory (maxmemory reached)');
      if (message.startsWith('NOSCRIPT')) throw error;
      // A connection problem or timeout is logged once per outage; an answer from Redis once per kind.
      if (this.replyError && error instanceof this.replyError) this.noteRefusal(message);
      else this.setAvailable(false, error);
      throw new StoreUnavailableError(`redis: ${message.slice(0, 200)}`);
    }
  }

  /** Runs a script by its hash, loading it after a Redis restart emptied the script cache. */
  private async script<T>(name: ScriptName, keys: string[], args: Array<string | number>): Promise<T> {
    const tail = [String(keys.length), ...keys, ...args.map(String)];
    const sha = this.shas.get(name);
    if (sha) {
      try {
        return await this.command<T>(['EVALSHA', sha, ...tail]);
      } catch (error) {
        if (!String((error as Error)?.message).startsWith('NOSCRIPT')) throw error;
      }
    }
    this.shas.set(name, await this.command<string>(['SCRIPT', 'LOAD', SCRIPTS[name]]));
    return this.command<T>(['EVALSHA', this.shas.get(name) as string, ...tail]);
  }

  private key(key: string): string {
    return this.prefix + key;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.command<string | null>(['GET', this.key(key)]).catch((error) => {
      // A set or schedule under this key holds no string value, as in MemoryStore.
      if (String(error?.message).includes('WRONGTYPE')) return null;
      throw error;
    });
    return value ?? undefined;
  }

  // `keep` needs nothing here: with maxmemory-policy noeviction (checked at start) Redis never drops a
  // key before its TTL, and refuses writes when full (OOM -> StoreFullError) instead.
  async create(key: string, value: string, ttlMs: number, _options?: WriteOptions): Promise<boolean> {
    return (await this.command<string | null>(['SET', this.key(key), value, 'PX', ms(ttlMs), 'NX'])) !== null;
  }

  async put(key: string, value: string, ttlMs: number, _options?: WriteOptions): Promise<void> {
    await this.command(['SET', this.key(key), value, 'PX', ms(ttlMs)]);
  }

  async swap(key: string, expected: string, value: string, ttlMs: number, _options?: WriteOptions): Promise<boolean> {
    return (await this.script<number>('swap', [this.key(key)], [expected, value, ms(ttlMs)])) === 1;
  }

  async deleteIf(key: string, expected: string): Promise<void> {
    await this.script('deleteIf', [this.key(key)], [expected]);
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    return Number(await this.script<number>('increment', [this.key(key)], [ms(ttlMs)]));
  }

  async addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    if (!members.length) return;
    await this.script('addToSet', [this.key(key)], [ms(ttlMs), ...members]);
  }

  async hasMember(key: string, member: string): Promise<boolean> {
    return Number(await this.command(['SISMEMBER', this.key(key), member])) === 1;
  }

  async members(key: string): Promise<string[]> {
    return this.command<string[]>(['SMEMBERS', this.key(key)]);
  }

  async schedule(key: string, member: string, atMs: number): Promise<void> {
    await this.script('schedule', [this.key(key)], [Math.round(atMs), member, SCHEDULE_TTL_MS]);
  }

  async unschedule(key: string, member: string): Promise<void> {
    await this.command(['ZREM', this.key(key), member]);
  }

  async claimDue(key: string, nowMs: number, limit: number): Promise<string[]> {
    return this.script<string[]>('claimDue', [this.key(key)], [Math.floor(nowMs), Math.max(1, Math.floor(limit))]);
  }

  /** Closes the connection; later calls fail with StoreUnavailableError. */
  async close(): Promise<void> {
    this.closed = true;
    await this.started;
    const client = this.client;
    if (!client) return;
    try {
      if (client.isReady) await (client.close?.() ?? client.quit?.());
      else client.destroy();
    } catch {
      client.destroy();
    }
  }
}

/** Redis takes whole milliseconds, at least one. */
const ms = (value: number) => String(Math.max(1, Math.ceil(value)));
