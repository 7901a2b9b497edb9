/**
 * Exactly once, under every race: one Idempotency-Key reaches Konnektive once, whatever arrives how
 * often on however many instances. The caller that holds the key's lease (in the store, renewed while
 * it works) is the only one that forwards, or, after a lost answer, settles it with Query Order and
 * resends only when Konnektive did not act. Everyone else replays the recorded answer or waits for it.
 */
import { readAnswer, type AnswerSummary } from './answer.js';
import { Refusal } from './refusals.js';
import { randomId } from './signing.js';
import type { ProxyStore } from './store.js';

/**
 * What the store keeps per key. `pending`: a holder is forwarding it; `done`: the answer to replay;
 * `unknown`: forwarded, but the answer was lost (timeout, reset, garbage), so the next holder must ask
 * Konnektive what happened before anything is sent again. `orderId`: the order the call concerns, once
 * known (an order sent without one gets its lead first), so a lost answer can always be settled.
 */
export type IdempotencyRecord =
  | { state: 'pending' | 'unknown'; fingerprint: string; startedAt: number; orderId?: string }
  | { state: 'done'; fingerprint: string; startedAt: number; status: number; body: string };

/** An answer for the browser: Konnektive's (status 200) or the proxy's own envelope. */
export interface Outcome {
  status: number;
  body: string;
  /** False when the answer was lost: whether Konnektive acted is not known. */
  known: boolean;
  code?: string;
  upstream?: string;
  /** Nothing reached a money endpoint (its lead could not be made): the key is free again. */
  untouched?: boolean;
  /** How this answer came about when it is not a fresh forward: 'key' (replayed) or 'settled'. */
  replayed?: 'key' | 'settled';
  /** What the proxy already read of `body`, so it is not parsed again (see summaryOf). */
  summary?: AnswerSummary;
}

/** The outcome's answer, read once: from the forward that made it, else from its body. */
export const summaryOf = (outcome: Outcome): AnswerSummary => (outcome.summary ??= readAnswer(outcome.body));

export interface Attempt {
  /** The store key: route, visitor and Idempotency-Key. */
  key: string;
  /** What the browser sent: a resend of one attempt matches it, a different request under the key does not. */
  fingerprint: string;
  /** How long the caller waits for an answer; the work itself may go on longer. */
  waitMs: number;
  /** Sends the call. `orderId` when a lost earlier send already made its lead; `progress` records one it makes. */
  send(orderId: string | undefined, progress: (orderId: string) => Promise<void>): Promise<Outcome>;
  /** Whether a lost send happened: its answer, null when it did not (send again), undefined when Konnektive cannot tell now. */
  settle(orderId: string | undefined, startedAt: number): Promise<Outcome | null | undefined>;
  /** Keeps the holder's work running after this caller has its answer (Workers' waitUntil). */
  keepAlive?(work: Promise<unknown>): void;
}

export interface ExactlyOnceOptions {
  ttlMs: number;
  leaseMs: number;
  /** How often a caller waiting on another instance looks at the store. */
  pollMs?: number;
}

const TIMED_OUT = Symbol('timed out');

export function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const refusalOutcome = (refusal: Refusal, known: boolean, upstream?: string): Outcome => ({
  status: refusal.status,
  body: refusal.body,
  known,
  code: refusal.code,
  upstream,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const parse = (raw: string | undefined): IdempotencyRecord | undefined => (raw === undefined ? undefined : JSON.parse(raw));
const replay = (record: Extract<IdempotencyRecord, { state: 'done' }>, how: Outcome['replayed']): Outcome => ({
  status: record.status,
  body: record.body,
  known: true,
  replayed: how,
});

export class ExactlyOnce {
  /** Keys this instance is working on, so its own concurrent duplicates wait on the same promise. */
  private readonly working = new Map<string, Promise<Outcome>>();
  private readonly pollMs: number;

  constructor(
    private readonly store: ProxyStore,
    private readonly options: ExactlyOnceOptions,
  ) {
    this.pollMs = options.pollMs ?? 100;
  }

  async run(attempt: Attempt): Promise<Outcome> {
    const deadline = Date.now() + attempt.waitMs;
    const leaseKey = `lease:${attempt.key}`;
    for (;;) {
      const record = parse(await this.store.get(attempt.key));
      if (record && record.fingerprint !== attempt.fingerprint) throw new Refusal('idempotency_key_reused');
      if (record?.state === 'done') return replay(record, 'key');
      const local = this.working.get(attempt.key);
      if (local) return this.wait(local, deadline, 'key');
      const holder = randomId();
      if (await this.store.create(leaseKey, holder, this.options.leaseMs, { keep: true })) {
        const work = this.hold(attempt, leaseKey, holder);
        this.working.set(attempt.key, work);
        work.finally(() => this.working.delete(attempt.key)).catch(() => {});
        attempt.keepAlive?.(work.catch(() => {}));
        return this.wait(work, deadline);
      }
      // Another instance holds the lease: it is forwarding or settling. Its answer lands in the store.
      if (Date.now() + this.pollMs > deadline) return refusalOutcome(new Refusal('in_progress'), false);
      await sleep(this.pollMs);
    }
  }

  private async wait(work: Promise<Outcome>, deadline: number, how?: Outcome['replayed']): Promise<Outcome> {
    const outcome = await within(work, deadline - Date.now());
    if (outcome === TIMED_OUT) return refusalOutcome(new Refusal('upstream_timeout'), false, 'no answer in time');
    return how && !outcome.replayed ? { ...outcome, replayed: how } : outcome;
  }

  /** The lease holder's work: settle what an earlier holder left unknown, else forward once. */
  private async hold(attempt: Attempt, leaseKey: string, holder: string): Promise<Outcome> {
    const { leaseMs } = this.options;
    const renew = setInterval(() => {
      this.store.swap(leaseKey, holder, holder, leaseMs, { keep: true }).catch(() => {});
    }, leaseMs / 3);
    try {
      const record = parse(await this.store.get(attempt.key));
      if (record && record.fingerprint !== attempt.fingerprint) return refusalOutcome(new Refusal('idempotency_key_reused'), true);
      if (record?.state === 'done') return replay(record, 'key');
      let orderId = record?.orderId;
      if (record) {
        // Pending without a live lease (its holder died) or unknown: the answer was lost. Ask first.
        const settled = await attempt.settle(orderId, record.startedAt);
        if (settled === undefined) {
          if (record.state === 'pending') await this.save(attempt.key, { ...record, state: 'unknown' });
          return refusalOutcome(new Refusal('upstream_unreachable'), false, 'could not check the lost answer');
        }
        if (settled) {
          await this.save(attempt.key, { state: 'done', fingerprint: attempt.fingerprint, startedAt: record.startedAt, status: settled.status, body: settled.body });
          return { ...settled, replayed: 'settled' };
        }
      }
      const startedAt = Date.now();
      const pending = (id: string | undefined): IdempotencyRecord => ({ state: 'pending', fingerprint: attempt.fingerprint, startedAt, orderId: id });
      await this.save(attempt.key, pending(orderId));
      const outcome = await attempt.send(orderId, async (id) => {
        orderId = id;
        await this.save(attempt.key, pending(id));
      });
      try {
        if (outcome.untouched) await this.store.deleteIf(attempt.key, JSON.stringify(pending(orderId)));
        else if (outcome.known) await this.save(attempt.key, { state: 'done', fingerprint: attempt.fingerprint, startedAt, status: outcome.status, body: outcome.body });
        else await this.save(attempt.key, { state: 'unknown', fingerprint: attempt.fingerprint, startedAt, orderId });
      } catch {
        // The store went away after Konnektive answered: the buyer still gets that answer (never "nothing
        // was charged" for a charge). The record stays pending; once its lease lapses a retry settles it.
      }
      return outcome;
    } finally {
      clearInterval(renew);
      await this.store.deleteIf(leaseKey, holder).catch(() => {});
    }
  }

  private save(key: string, record: IdempotencyRecord): Promise<void> {
    return this.store.put(key, JSON.stringify(record), this.options.ttlMs, { keep: true });
  }
}
