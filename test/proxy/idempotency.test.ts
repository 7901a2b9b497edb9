import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryIdempotencyStore, MemoryStore, type WriteOptions } from '../../src/proxy/fetch.js';
import { abortable, konnektive, recordingUpstream } from '../helpers/upstream.js';
import { COMPLETE, json, ORDER, OTHER_VISITOR, proxy, request } from './helpers.js';

const stateOf = (value: string | undefined) => {
  try {
    return value === undefined ? undefined : (JSON.parse(value) as { state?: string })?.state;
  } catch {
    return undefined;
  }
};

/** A Konnektive that pays the order only when the test calls answer(); it gives up as fetch does when aborted. */
function heldUpstream() {
  let answer!: () => void;
  const upstream = recordingUpstream((_call, signal) => new Promise((resolve, reject) => {
    answer = () => resolve(konnektive('SUCCESS', COMPLETE));
    signal?.addEventListener('abort', () => reject(signal.reason));
  }));
  return { upstream, answer: () => answer() };
}

/** A store that tells when an attempt's idempotency record is read while pending, and when it is written as done. */
class RecordWatchingStore extends MemoryStore {
  private done!: () => void;
  readonly answered = new Promise<void>((resolve) => (this.done = resolve));
  private pendingRead: (() => void) | undefined;
  /** Resolves at the next read that finds an attempt still pending (a retry looking at it). */
  nextPendingRead(): Promise<void> {
    return new Promise((resolve) => (this.pendingRead = resolve));
  }
  override async get(key: string): Promise<string | undefined> {
    const value = await super.get(key);
    if (stateOf(value) === 'pending') this.pendingRead?.();
    return value;
  }
  override async put(key: string, value: string, ttlMs: number, options?: WriteOptions): Promise<void> {
    await super.put(key, value, ttlMs, options);
    if (stateOf(value) === 'done') this.done();
  }
}

describe('proxy: idempotency', () => {
  test('concurrent duplicates reach Konnektive once and all get the first answer (only one reports the purchase)', async () => {
    const upstream = recordingUpstream(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return konnektive('SUCCESS', COMPLETE);
    });
    const handler = proxy(upstream);
    const responses = await Promise.all(Array.from({ length: 8 }, () => handler(request('order', { body: ORDER, key: 'same-attempt-0001' }))));
    assert.equal(upstream.to('/order/import/').length, 1);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<Record<string, unknown>>;
    const { purchase, ...first } = bodies.find((b) => b.purchase) ?? {};
    assert.equal((purchase as { transaction_id?: string } | undefined)?.transaction_id, COMPLETE.orderId, 'the answer that made the sale reports it');
    assert.equal(bodies.filter((b) => b.purchase).length, 1, 'once');
    for (const body of bodies) assert.deepEqual({ ...body, purchase: undefined }, { ...first, purchase: undefined });
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed')).length, 7);
  });

  test('a later repeat is replayed, not forwarded; a new key is forwarded', async () => {
    const upstream = recordingUpstream(() => konnektive('ERROR', 'Transaction Declined: Insufficient Funds'));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'attempt-one-0001' }));
    const again = await handler(request('order', { body: ORDER, key: 'attempt-one-0001' }));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(upstream.calls.length, 1);
    await handler(request('order', { body: ORDER, key: 'attempt-two-0001' }));
    assert.equal(upstream.calls.length, 2);
  });

  test('the same key with a different body is refused (422)', async () => {
    const handler = proxy(recordingUpstream(() => konnektive('ERROR', 'declined')));
    await handler(request('order', { body: ORDER, key: 'reused-key-0001' }));
    const { status, body } = await json(await handler(request('order', { body: { ...ORDER, product1_id: '3' }, key: 'reused-key-0001' })));
    assert.equal(status, 422);
    assert.equal(body.code, 'idempotency_key_reused');
  });

  test('an answer that comes after the browser gave up is kept: the retry gets it, nothing is charged twice', async () => {
    // Konnektive answers only once the browser has had its 504; the retry is sent once that answer is on record.
    const { upstream, answer } = heldUpstream();
    const store = new RecordWatchingStore();
    const handler = proxy(upstream, { moneyTimeoutMs: 50, store });
    const first = await json(await handler(request('order', { body: ORDER, key: 'slow-attempt-001' })));
    assert.equal(first.status, 504);
    answer();
    await store.answered;
    const retry = await json(await handler(request('order', { body: ORDER, key: 'slow-attempt-001' })));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.orderStatus, 'COMPLETE');
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a retry while the first is still running waits for it', async () => {
    // The browser gives up at 50 ms and resends at once; Konnektive answers once the retry has found the attempt still pending.
    const { upstream, answer } = heldUpstream();
    const store = new RecordWatchingStore();
    const handler = proxy(upstream, { moneyTimeoutMs: 50, store });
    assert.equal((await handler(request('order', { body: ORDER, key: 'slow-attempt-002' }))).status, 504);
    const retryLooked = store.nextPendingRead();
    const retrying = handler(request('order', { body: ORDER, key: 'slow-attempt-002' }));
    await retryLooked;
    answer();
    const retry = await retrying;
    assert.equal(retry.status, 200);
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a lost answer is settled with Query Order: charged -> the retry gets the order, no second charge', async () => {
    const upstream = recordingUpstream(() => new Response('{"result":"SUCCESS","mess', { status: 200 }));
    const handler = proxy(upstream);
    assert.equal((await handler(request('order', { body: ORDER, key: 'lost-attempt-001' }))).status, 502);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { totalResults: 1, data: [COMPLETE] }) : konnektive('SUCCESS', COMPLETE)));
    const retry = await json(await handler(request('order', { body: ORDER, key: 'lost-attempt-001' })));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.orderStatus, 'COMPLETE');
    assert.equal(upstream.to('/order/import/').length, 1, 'Import Order was sent once');
    assert.equal(upstream.to('/order/query/')[0]?.params.orderId, ORDER.orderId);
  });

  test('a lost answer that was not charged is sent again, once', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'lost-attempt-002' }));
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { data: [{ ...COMPLETE, orderStatus: 'PARTIAL' }] }) : konnektive('SUCCESS', COMPLETE)));
    assert.equal((await handler(request('order', { body: ORDER, key: 'lost-attempt-002' }))).status, 200);
    assert.equal(upstream.to('/order/import/').length, 2);
  });

  test('while Konnektive cannot be asked, a lost answer is not sent again', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'lost-attempt-003' }));
    const retry = await json(await handler(request('order', { body: ORDER, key: 'lost-attempt-003' })));
    assert.equal(retry.status, 502);
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a lost upsale answer is settled by the product on the order', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    const upsale = { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' };
    await handler(request('upsale', { body: upsale, key: 'lost-upsale-001' }));
    upstream.answer(() => konnektive('SUCCESS', { data: [{ ...COMPLETE, items: [{ productId: 2 }, { productId: 10 }] }] }));
    const retry = await json(await handler(request('upsale', { body: upsale, key: 'lost-upsale-001' })));
    assert.equal(retry.status, 200);
    assert.equal(upstream.to('/upsale/import/').length, 1);
  });

  test('a paid order is never charged again, whatever the key; its upsales only for its own visitor', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', COMPLETE));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'first-pay-0001' }));
    const resubmit = await handler(request('order', { body: { ...ORDER, product1_id: '3' }, key: 'second-pay-001' }));
    assert.equal(resubmit.status, 200);
    assert.equal(resubmit.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(upstream.to('/order/import/').length, 1);
    const foreign = await json(await handler(request('upsale', { body: { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' }, key: 'foreign-upsale1', visitor: OTHER_VISITOR })));
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'not_your_order');
    const own = await handler(request('upsale', { body: { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' }, key: 'own-upsale-0001' }));
    assert.equal(own.status, 200);
    assert.equal(upstream.to('/upsale/import/').length, 1);
  });

  test('keys expire after their time to live', async () => {
    const store = new MemoryIdempotencyStore();
    const upstream = recordingUpstream(() => konnektive('ERROR', 'declined'));
    const handler = proxy(upstream, { idempotencyStore: store, idempotencyTtlMs: 30 });
    await handler(request('upsale', { body: { orderId: 'X', productId: '10' }, key: 'expiring-key-01' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await handler(request('upsale', { body: { orderId: 'X', productId: '10' }, key: 'expiring-key-01' }));
    assert.equal(upstream.calls.length, 2);
  });

  test('another instance holding the key (shared store): the repeat waits for its answer', async () => {
    const store = new MemoryIdempotencyStore();
    const slow = recordingUpstream((_call, signal) => abortable(signal, 300, () => konnektive('SUCCESS', COMPLETE)));
    const fast = recordingUpstream(() => konnektive('SUCCESS', { other: true }));
    const a = proxy(slow, { idempotencyStore: store });
    const b = proxy(fast, { idempotencyStore: store });
    const first = a(request('order', { body: ORDER, key: 'shared-store-001' }));
    // Instance a is forwarding (so it holds the key) once its call reaches Konnektive.
    await slow.called();
    const second = await json(await b(request('order', { body: ORDER, key: 'shared-store-001' })));
    assert.equal((await first).status, 200);
    assert.equal(second.body.message.orderStatus, 'COMPLETE');
    assert.equal(fast.calls.length, 0);
  });
});
