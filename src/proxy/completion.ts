/**
 * Funnel completion (DESIGN section 9). A buyer who closes the tab on an upsell never reaches the
 * thank-you page, so its Confirm Order (the confirmation e-mail, the merchant's postbacks) would never
 * be sent. Each paid order is put on a schedule in the store, due `confirmAfterMs` after its last funnel
 * activity; every instance claims due orders (atomically: each to one instance) and sends Confirm Order.
 *
 * The thank-you page's confirm and the scheduled one share one slot per order (`confirmed:<orderId>`),
 * created atomically by whichever goes first: only that one reaches Konnektive, the other gets its
 * recorded answer.
 */
import type { RouteName } from '../shared/konnektive.js';
import type { ProxyConfig } from './config.js';
import { formatLogLine } from './log.js';
import { randomId } from './signing.js';
import { closeOwnedStore } from './store-from-config.js';
import { parseAnswer } from './answer.js';
import { forward, type UpstreamResult } from './upstream.js';

/** The store's schedule of orders waiting for their automatic Confirm Order. */
export const CONFIRM_SCHEDULE = 'confirm-due';
const slotKey = (orderId: string) => `confirmed:${orderId}`;

/** `sending`: one caller is confirming (the slot lapses if it dies); `done`: the answer to give everyone after. */
type Slot = { state: 'sending'; by: string } | { state: 'done'; text?: string; lost?: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const BATCH = 20;

function parseSlot(raw: string | undefined): Slot | undefined {
  try {
    return raw === undefined ? undefined : (JSON.parse(raw) as Slot);
  } catch {
    return undefined;
  }
}

/** The recorded answer for a caller that did not send: Konnektive's, or an honest "lost, not resent". */
function replay(slot: Extract<Slot, { state: 'done' }>): UpstreamResult {
  const answer = slot.text === undefined ? undefined : parseAnswer(slot.text);
  if (answer && slot.text !== undefined) return { ok: true, answer, text: slot.text };
  return { ok: false, code: 'upstream_bad_response', detail: 'the confirmation was sent; its answer was lost (not sent again)' };
}

export class Completion {
  private timer: ReturnType<typeof setInterval> | undefined;
  private ticking: Promise<void> | undefined;
  private readonly store: ProxyConfig['store'];

  constructor(private readonly config: ProxyConfig) {
    this.store = config.store;
    if (config.confirmAfterMs > 0) {
      // Due orders are found within a quarter of the delay, at most 5 s late.
      const every = Math.min(5000, Math.max(100, Math.floor(config.confirmAfterMs / 4)));
      this.timer = setInterval(() => void this.tick(), every);
      // A waiting confirmation never keeps the process alive; a due one is claimed by whichever instance runs.
      this.timer.unref?.();
    }
  }

  /** A paid order, or funnel activity on one: its automatic confirm is due confirmAfterMs from now. */
  async touch(orderId: string | undefined): Promise<void> {
    if (!orderId || this.config.confirmAfterMs <= 0) return;
    try {
      // Already confirmed (by the thank-you page or the schedule): nothing to schedule.
      if ((await this.store.get(slotKey(orderId))) !== undefined) return;
      await this.store.schedule(CONFIRM_SCHEDULE, orderId, Date.now() + this.config.confirmAfterMs);
    } catch (error) {
      // The payment itself stands; only the automatic confirm for this order is missed.
      this.note('touch', `not scheduled: ${(error as Error).message}`.slice(0, 200));
    }
  }

  /**
   * The proxy's way to Konnektive: Confirm Order goes through the order's slot; a successful upsale is
   * funnel activity. Everything else is forwarded as is.
   */
  async forward(route: RouteName, params: Record<string, string>, timeoutMs: number): Promise<UpstreamResult> {
    if (route === 'confirm' && params.orderId) {
      return this.confirm(params.orderId, () => forward(this.config, route, params, timeoutMs), timeoutMs, false);
    }
    const result = await forward(this.config, route, params, timeoutMs);
    if (route === 'upsale' && result.ok && result.answer.result === 'SUCCESS') await this.touch(params.orderId);
    return result;
  }

  /**
   * Sends Confirm Order for the order unless someone else did or is doing it, whose answer is then given.
   * `waitMs`: how long to wait for another sender. `scheduled`: the timer's attempt, which gives up on an
   * order Konnektive refuses to confirm instead of leaving it scheduled.
   */
  private async confirm(orderId: string, send: () => Promise<UpstreamResult>, waitMs: number, scheduled: boolean): Promise<UpstreamResult> {
    const key = slotKey(orderId);
    const deadline = Date.now() + waitMs;
    // A sender that dies leaves the slot for this long, then a retry may send.
    const sendingTtl = waitMs + 5000;
    for (;;) {
      const mine = JSON.stringify({ state: 'sending', by: randomId() } satisfies Slot);
      if (await this.store.create(key, mine, Math.max(sendingTtl, this.sendingTtlMs), { keep: true })) {
        let result: UpstreamResult;
        try {
          result = await send();
        } catch (error) {
          await this.store.deleteIf(key, mine).catch(() => {});
          throw error;
        }
        await this.record(orderId, mine, result, scheduled);
        return result;
      }
      const slot = parseSlot(await this.store.get(key));
      if (slot?.state === 'done') {
        if (scheduled) await this.store.unschedule(CONFIRM_SCHEDULE, orderId);
        return replay(slot);
      }
      if (slot && Date.now() + 100 > deadline) {
        return { ok: false, code: 'upstream_timeout', detail: 'the confirmation is being sent by another request' };
      }
      // Released (or lapsed) in between: try again; else another sender is at work, wait for its answer.
      if (slot) await sleep(100);
    }
  }

  /** How long a scheduled sender may take: Konnektive's timeout for a confirm, and a margin. */
  private get sendingTtlMs(): number {
    return this.config.timeoutMs + 5000;
  }

  /** What became of one send: the slot keeps the answer, or is freed so a later attempt may send. */
  private async record(orderId: string, mine: string, result: UpstreamResult, scheduled: boolean): Promise<void> {
    const key = slotKey(orderId);
    const done = (slot: Slot) => this.store.swap(key, mine, JSON.stringify(slot), this.config.idempotencyTtlMs, { keep: true });
    if (result.ok && (result.answer.result === 'SUCCESS' || scheduled)) {
      // Confirmed (or, for the timer, refused by Konnektive for good: an order it will not confirm).
      await done({ state: 'done', text: result.text });
      await this.store.unschedule(CONFIRM_SCHEDULE, orderId);
    } else if (result.ok || result.code === 'upstream_unreachable' || result.code === 'upstream_error') {
      // Nothing was confirmed (Konnektive said no to the page, or was not reached): free the slot.
      await this.store.deleteIf(key, mine);
    } else {
      // The answer was lost (timeout, cut off): the confirm may have happened, so it is never resent.
      await done({ state: 'done', lost: true });
      await this.store.unschedule(CONFIRM_SCHEDULE, orderId);
    }
  }

  /** One round of the timer: claims due orders (each goes to one instance only) and confirms them. */
  tick(now = Date.now()): Promise<void> {
    // A slow round is not overlapped by the next one.
    this.ticking ??= this.round(now).finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async round(now: number): Promise<void> {
    let due: string[];
    try {
      due = await this.store.claimDue(CONFIRM_SCHEDULE, now, BATCH);
    } catch {
      return; // The store is away; the orders stay scheduled for the next round.
    }
    await Promise.all(due.map((orderId) => this.confirmScheduled(orderId)));
  }

  private async confirmScheduled(orderId: string): Promise<void> {
    const started = performance.now();
    try {
      // Back on the schedule first, for later: if this instance dies mid-way, another one claims it then.
      await this.store.schedule(CONFIRM_SCHEDULE, orderId, Date.now() + this.sendingTtlMs + 5000);
      const result = await this.confirm(orderId, () => forward(this.config, 'confirm', { orderId }, this.config.timeoutMs), 0, true);
      this.note('scheduled', result.ok ? String(result.answer.result) : result.code, performance.now() - started, result.ok ? 200 : 502);
    } catch (error) {
      this.note('scheduled', `failed: ${(error as Error).message}`.slice(0, 200), performance.now() - started, 503);
    }
  }

  /** One log line in the proxy's format, for confirms no request asked for. */
  private note(what: string, result: string, ms = 0, status = 0): void {
    try {
      this.config.log(formatLogLine({ id: `confirm-${what}`, method: 'TIMER', route: 'confirm', status, ms: Math.round(ms * 10) / 10, result }));
    } catch {
      // A failing logger must not stop the timer.
    }
  }

  /** Stops the timer; a store the proxy made from redisUrl is closed too. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await closeOwnedStore(this.store);
  }
}
