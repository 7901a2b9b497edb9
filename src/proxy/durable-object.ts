/**
 * The Durable Object side of the Cloudflare store: `KfunnelStore` keeps ProxyStore keys in its
 * transactional storage and answers the operations DurableObjectStore (durable-store.ts) sends it.
 *
 * Atomic without locks: a Durable Object runs one event at a time, and its input gate holds every
 * other event back while it awaits its own storage. Each operation below reads, decides and writes
 * with nothing but storage calls in between, so no two operations on a key interleave, from however
 * many Workers they come (the Cloudflare equivalent of Redis' single-threaded commands and Lua).
 *
 * Times to live are an expiry stored beside each value (checked on every read) plus the object's
 * alarm, which deletes what expired. The same alarm wakes the object when a schedule member falls
 * due, and hands the schedule to the handler createWorker registered (funnel completion), which
 * claims the due members through the store exactly like any other caller.
 */
import type { DurableObjectState, DurableObjectStorage } from './cloudflare-types.js';
import type { StoreOp, StoreRequest } from './durable-store.js';

/** What one key holds: a string, a set, or a schedule (member -> due time), and when it expires (null: never). */
export type StoredEntry =
  | { kind: 'value'; value: string; expires: number }
  | { kind: 'set'; members: string[]; expires: number }
  | { kind: 'schedule'; due: Record<string, number>; expires: null };

/** Runs when a schedule kept in an object has members due; registered by createWorker. */
export type DueRunner = (scheduleKey: string, env: unknown) => Promise<void>;

let dueRunner: DueRunner | undefined;

/**
 * Sets what a fallen-due schedule runs. Module-level on purpose: the Worker module is evaluated in every
 * isolate that hosts its Durable Objects, so the runner createWorker registers at load is there when an
 * alarm fires, with no wiring in the user's code.
 */
export function setDueRunner(runner: DueRunner | undefined): void {
  dueRunner = runner;
}

/** A schedule whose runner failed is looked at again this much later (its members stay due, unclaimed). */
const RETRY_DUE_MS = 30_000;
/** A runner that claims in batches is called at most this often per alarm. */
const MAX_DUE_ROUNDS = 50;
/** Alarms are set at most this far ahead; an object woken early just sweeps and sets the next one. */
const MAX_ALARM_AHEAD_MS = 30 * 24 * 60 * 60 * 1000;

const live = (entry: StoredEntry | undefined, now: number): StoredEntry | undefined =>
  entry && (entry.expires === null || entry.expires > now) ? entry : undefined;

export class KfunnelStore {
  private readonly storage: DurableObjectStorage;

  constructor(
    state: DurableObjectState,
    private readonly env: unknown,
  ) {
    this.storage = state.storage;
  }

  async fetch(request: Request): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1) as StoreOp;
    let body: StoreRequest;
    try {
      body = (await request.json()) as StoreRequest;
    } catch {
      return Response.json({ error: 'bad request' }, { status: 400 });
    }
    const handler = OPERATIONS[op];
    if (!handler || typeof body?.key !== 'string') return Response.json({ error: `unknown operation ${op}` }, { status: 400 });
    return Response.json({ result: await handler(this, body) });
  }

  /** Deletes what expired, runs schedules that fell due, and sets the next alarm. */
  async alarm(): Promise<void> {
    const now = Date.now();
    const expired: string[] = [];
    const due: string[] = [];
    for (const [key, entry] of await this.storage.list<StoredEntry>()) {
      if (!live(entry, now)) expired.push(key);
      else if (entry.kind === 'schedule' && Object.values(entry.due).some((at) => at <= now)) due.push(key);
    }
    if (expired.length) await this.storage.delete(expired);
    for (const key of due) await this.runDue(key);
    await this.rearm(Date.now());
  }

  /**
   * Hands a schedule with due members to the runner, again while it keeps claiming (a runner takes them
   * in batches), and stops when it claims nothing more: what is still due then waits for the retry.
   */
  private async runDue(key: string): Promise<void> {
    if (!dueRunner) return;
    let left = await this.dueCount(key);
    for (let round = 0; round < MAX_DUE_ROUNDS && left > 0; round++) {
      try {
        await dueRunner(key, this.env);
      } catch (error) {
        console.error(`kfunnel: the scheduled work for ${key} failed; retrying in ${RETRY_DUE_MS / 1000} s: ${(error as Error)?.message ?? error}`);
        return;
      }
      const now = await this.dueCount(key);
      if (now >= left) return;
      left = now;
    }
  }

  private async dueCount(key: string, now = Date.now()): Promise<number> {
    const entry = await this.read(key, now);
    return entry?.kind === 'schedule' ? Object.values(entry.due).filter((at) => at <= now).length : 0;
  }

  /** Sets the alarm at the earliest expiry or due time left; a due member nobody claimed is retried shortly. */
  private async rearm(now: number): Promise<void> {
    let next = Infinity;
    for (const entry of (await this.storage.list<StoredEntry>()).values()) {
      if (entry.expires !== null) next = Math.min(next, entry.expires);
      // Still due after the runner had its go: it failed or left it, so look again after a pause. With
      // no runner in this Worker nothing here could run it: the next schedule() wakes the object again.
      else for (const at of Object.values(entry.due)) if (at > now || dueRunner) next = Math.min(next, at <= now ? now + RETRY_DUE_MS : at);
    }
    if (next === Infinity) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(Math.min(next, now + MAX_ALARM_AHEAD_MS));
  }

  /** Makes sure the alarm fires by `at` (an expiry or a due time). */
  async wakeBy(at: number): Promise<void> {
    const target = Math.min(at, Date.now() + MAX_ALARM_AHEAD_MS);
    const current = await this.storage.getAlarm();
    if (current === null || target < current) await this.storage.setAlarm(target);
  }

  async read(key: string, now = Date.now()): Promise<StoredEntry | undefined> {
    return live(await this.storage.get<StoredEntry>(key), now);
  }

  async write(key: string, entry: StoredEntry): Promise<void> {
    await this.storage.put(key, entry);
    if (entry.expires !== null) await this.wakeBy(entry.expires);
  }

  async remove(key: string): Promise<void> {
    await this.storage.delete(key);
  }

  /** Writes what is left of a schedule; an empty one is deleted. */
  async keepSchedule(key: string, due: Record<string, number>): Promise<void> {
    if (Object.keys(due).length) await this.write(key, { kind: 'schedule', due, expires: null });
    else await this.remove(key);
  }
}

type Operation = (store: KfunnelStore, body: StoreRequest) => Promise<unknown>;

const value = (value: string, ttlMs: number): StoredEntry => ({ kind: 'value', value, expires: Date.now() + ttlMs });
const text = (entry: StoredEntry | undefined) => (entry?.kind === 'value' ? entry.value : undefined);

/** The ProxyStore operations, with MemoryStore's semantics (store.ts is the reference). */
const OPERATIONS: Record<StoreOp, Operation> = {
  async get(store, { key }) {
    return text(await store.read(key)) ?? null;
  },
  async create(store, { key, value: v, ttlMs }) {
    if (await store.read(key)) return false;
    await store.write(key, value(v!, ttlMs!));
    return true;
  },
  async put(store, { key, value: v, ttlMs }) {
    await store.write(key, value(v!, ttlMs!));
    return null;
  },
  async swap(store, { key, expected, value: v, ttlMs }) {
    if (text(await store.read(key)) !== expected) return false;
    await store.write(key, value(v!, ttlMs!));
    return true;
  },
  async deleteIf(store, { key, expected }) {
    if (text(await store.read(key)) === expected) await store.remove(key);
    return null;
  },
  async increment(store, { key, ttlMs }) {
    const entry = await store.read(key);
    if (entry?.kind === 'value') {
      // The window keeps its first expiry: a busy counter must still reset on time.
      const next = { ...entry, value: String(Number(entry.value) + 1) };
      await store.write(key, next);
      return Number(next.value);
    }
    await store.write(key, value('1', ttlMs!));
    return 1;
  },
  async addToSet(store, { key, members, ttlMs }) {
    const entry = await store.read(key);
    const set = new Set(entry?.kind === 'set' ? entry.members : []);
    for (const member of members ?? []) set.add(member);
    await store.write(key, { kind: 'set', members: [...set], expires: Date.now() + ttlMs! });
    return null;
  },
  async hasMember(store, { key, member }) {
    const entry = await store.read(key);
    return entry?.kind === 'set' && entry.members.includes(member!);
  },
  async members(store, { key }) {
    const entry = await store.read(key);
    return entry?.kind === 'set' ? entry.members : [];
  },
  async schedule(store, { key, member, atMs }) {
    const entry = await store.read(key);
    // Copies, never the object storage handed out: a write is the only way a change lands.
    const due = { ...(entry?.kind === 'schedule' ? entry.due : {}), [member!]: atMs! };
    await store.write(key, { kind: 'schedule', due, expires: null });
    await store.wakeBy(atMs!);
    return null;
  },
  async unschedule(store, { key, member }) {
    const entry = await store.read(key);
    if (entry?.kind !== 'schedule' || !(member! in entry.due)) return null;
    const { [member!]: _, ...due } = entry.due;
    await store.keepSchedule(key, due);
    return null;
  },
  async claimDue(store, { key, nowMs, limit }) {
    const entry = await store.read(key);
    if (entry?.kind !== 'schedule') return [];
    const claimed = Object.entries(entry.due)
      .filter(([, at]) => at <= nowMs!)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([member]) => member);
    if (!claimed.length) return [];
    const due = { ...entry.due };
    for (const member of claimed) delete due[member];
    await store.keepSchedule(key, due);
    return claimed;
  },
};
