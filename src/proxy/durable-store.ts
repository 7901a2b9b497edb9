/**
 * DurableObjectStore: the ProxyStore for Cloudflare Workers. Every key lives in the Durable Object
 * named after it (`idFromName(key)`), which runs that key's operations one at a time (see
 * durable-object.ts), so each operation is atomic and strongly consistent worldwide; Workers KV is
 * neither (eventually consistent, no compare-and-set), so it could not keep a payment to one charge.
 *
 * One object per key rather than per visitor: no ProxyStore operation spans two keys (a lease and its
 * record are separate keys, each changed atomically on its own, as with Redis), so nothing needs a
 * group of keys in one object, and keys that belong to nobody (paid orders, hand-off nonces, the
 * schedule) have one natural home. `objectName` can group keys differently.
 */
import type { DurableObjectNamespace } from './cloudflare-types.js';
import { StoreUnavailableError, type ProxyStore } from './store.js';

/** The operation names: the path of the request a DurableObjectStore sends its object. */
export type StoreOp =
  | 'get'
  | 'create'
  | 'put'
  | 'swap'
  | 'deleteIf'
  | 'increment'
  | 'addToSet'
  | 'hasMember'
  | 'members'
  | 'schedule'
  | 'unschedule'
  | 'claimDue';

/** The body of one operation: its key and arguments. */
export interface StoreRequest {
  key: string;
  value?: string;
  expected?: string;
  ttlMs?: number;
  members?: readonly string[];
  member?: string;
  atMs?: number;
  nowMs?: number;
  limit?: number;
}

/** Requests to a Durable Object never leave Cloudflare; the host only has to make a valid URL. */
export const STORE_ORIGIN = 'https://kfunnel-store.internal';

export interface DurableObjectStoreOptions {
  /** The object a key lives in; default: the key itself. Keys that must change together need one object. */
  objectName?: (key: string) => string;
}

export class DurableObjectStore implements ProxyStore {
  private readonly objectName: (key: string) => string;

  constructor(
    private readonly namespace: DurableObjectNamespace,
    options: DurableObjectStoreOptions = {},
  ) {
    this.objectName = options.objectName ?? ((key) => key);
  }

  /**
   * One operation in the key's object. Any failure to get an answer is StoreUnavailableError, so the
   * proxy answers money calls 503 and forwards nothing. No retry here: create, swap and increment are
   * not safe to repeat when their first try may have landed. A stub is made per call, because Workers
   * do not let one request use I/O objects made during another.
   */
  private async call<T>(op: StoreOp, body: StoreRequest): Promise<T> {
    let response: Response;
    try {
      const stub = this.namespace.get(this.namespace.idFromName(this.objectName(body.key)));
      response = await stub.fetch(`${STORE_ORIGIN}/${op}`, { method: 'POST', body: JSON.stringify(body) });
    } catch (error) {
      throw new StoreUnavailableError(`Durable Object unreachable (${op}): ${(error as Error)?.message ?? error}`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new StoreUnavailableError(`Durable Object refused ${op}: HTTP ${response.status}`);
    }
    return ((await response.json()) as { result: T }).result;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.call<string | null>('get', { key })) ?? undefined;
  }

  create(key: string, value: string, ttlMs: number): Promise<boolean> {
    // `keep` needs nothing here: a Durable Object never evicts, every value lives out its time to live.
    return this.call('create', { key, value, ttlMs });
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.call('put', { key, value, ttlMs });
  }

  swap(key: string, expected: string, value: string, ttlMs: number): Promise<boolean> {
    return this.call('swap', { key, expected, value, ttlMs });
  }

  async deleteIf(key: string, expected: string): Promise<void> {
    await this.call('deleteIf', { key, expected });
  }

  increment(key: string, ttlMs: number): Promise<number> {
    return this.call('increment', { key, ttlMs });
  }

  async addToSet(key: string, members: readonly string[], ttlMs: number): Promise<void> {
    await this.call('addToSet', { key, members, ttlMs });
  }

  hasMember(key: string, member: string): Promise<boolean> {
    return this.call('hasMember', { key, member });
  }

  members(key: string): Promise<string[]> {
    return this.call('members', { key });
  }

  async schedule(key: string, member: string, atMs: number): Promise<void> {
    await this.call('schedule', { key, member, atMs });
  }

  async unschedule(key: string, member: string): Promise<void> {
    await this.call('unschedule', { key, member });
  }

  claimDue(key: string, nowMs: number, limit: number): Promise<string[]> {
    return this.call('claimDue', { key, nowMs, limit });
  }
}
