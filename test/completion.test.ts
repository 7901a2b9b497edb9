import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CONFIRM_SCHEDULE } from '../src/proxy/completion.js';
import { createProxyHandler } from '../src/server/index.js';
import { MemoryStore } from '../src/proxy/store.js';
import { createSandbox } from '../src/sandbox/index.js';
import { sandboxUpstream } from './helpers/upstream.js';

/** Funnel completion on one instance (the multi-instance proof is e2e/cluster.spec.ts). */
const SITE = 'https://shop.test';
const ORDER = { address1: '1 A St', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US', product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A MemoryStore that remembers every schedule call, to see deadlines move. */
class RecordingStore extends MemoryStore {
  scheduled: Array<{ member: string; at: number }> = [];
  override async schedule(key: string, member: string, atMs: number) {
    this.scheduled.push({ member, at: atMs });
    return super.schedule(key, member, atMs);
  }
}

function setup(confirmAfterMs: number) {
  const sandbox = createSandbox({ loginId: 'sandbox', password: 'sandbox' });
  const store = new RecordingStore();
  const handler = createProxyHandler({
    loginId: 'sandbox',
    password: 'sandbox',
    apiUrl: 'http://sandbox.test',
    fetch: sandboxUpstream(sandbox),
    log: () => {},
    rateLimitPerMinute: 0,
    publicOrigins: [SITE],
    store,
    confirmAfterMs,
  });
  let cookie = '';
  const call = async (route: string, body: Record<string, string>, key?: string) => {
    const headers: Record<string, string> = { origin: SITE, 'content-type': 'application/json' };
    if (cookie) headers.cookie = cookie;
    if (key) headers['idempotency-key'] = key;
    const response = await handler(new Request(`${SITE}/kfunnel/${route}`, { method: 'POST', headers, body: JSON.stringify(body) }));
    const set = response.headers.getSetCookie().find((c) => c.startsWith('__Host-kf_v='));
    if (set) cookie = set.split(';', 1)[0] ?? '';
    return { status: response.status, body: JSON.parse(await response.text()) };
  };
  const buy = async () => {
    const click = await call('click', { pageType: 'checkoutPage', campaignId: '3' });
    const sessionId = click.body.message.sessionId;
    const lead = await call('lead', { campaignId: '3', sessionId, firstName: 'Ada', lastName: 'L', emailAddress: 'a@b.co' });
    const orderId = lead.body.message.orderId as string;
    const order = await call('order', { campaignId: '3', sessionId, orderId, ...ORDER }, 'order-key-0001');
    assert.equal(order.body.message.orderStatus, 'COMPLETE');
    return { sessionId, orderId };
  };
  const confirms = () => sandbox.state().calls.filter((c: any) => c.endpoint === 'confirm');
  return { sandbox, store, handler, call, buy, confirms };
}

describe('funnel completion', () => {
  test('a paid order nobody confirms gets one Confirm Order after the delay', async () => {
    const { store, handler, buy, confirms, sandbox } = setup(300);
    const { orderId } = await buy();
    assert.equal(confirms().length, 0);
    await until(async () => (await store.get(`confirmed:${orderId}`))?.includes('"done"') === true, 'the scheduled confirm');
    assert.equal(confirms().length, 1);
    assert.equal(sandbox.state().orders[0]?.confirmations, 1);
    // Nothing is left to send it again.
    assert.deepEqual(await store.claimDue(CONFIRM_SCHEDULE, Number.MAX_SAFE_INTEGER, 10), []);
    await handler.close?.();
  });

  test("the thank-you page's confirm takes the order off the schedule; its reload is answered, not sent", async () => {
    const { store, handler, call, buy, confirms } = setup(60_000);
    const { orderId } = await buy();
    const first = await call('confirm', { orderId }, `confirm-${orderId}`);
    assert.equal(first.body.result, 'SUCCESS');
    assert.deepEqual(await store.claimDue(CONFIRM_SCHEDULE, Number.MAX_SAFE_INTEGER, 10), []);
    // A new attempt (another key) for the same order: the recorded answer, no second confirmation.
    const again = await call('confirm', { orderId }, 'another-confirm-key');
    assert.deepEqual(again.body, first.body);
    assert.equal(confirms().length, 1);
    await handler.close?.();
  });

  test('funnel activity (an upsale) moves the deadline', async () => {
    const { store, handler, call, buy } = setup(60_000);
    const beforeOrder = Date.now();
    const { sessionId, orderId } = await buy();
    const beforeUpsale = Date.now();
    const upsale = await call('upsale', { sessionId, orderId, productId: '10' }, 'upsale-key-0001');
    assert.equal(upsale.body.result, 'SUCCESS');
    const [paid, moved] = store.scheduled.filter((s) => s.member === orderId);
    assert.ok(paid && moved, 'scheduled at the payment, and again at the upsale');
    assert.ok(paid.at >= beforeOrder + 60_000 && paid.at <= beforeUpsale + 60_000);
    assert.ok(moved.at >= beforeUpsale + 60_000, 'due 60 s after the upsale');
    // Still one entry: moved, not added.
    assert.deepEqual(await store.claimDue(CONFIRM_SCHEDULE, Number.MAX_SAFE_INTEGER, 10), [orderId]);
    await handler.close?.();
  });

  test('Konnektive refusing a confirm frees the slot: a later confirm is sent', async () => {
    const { handler, call, confirms } = setup(60_000);
    const click = await call('click', { pageType: 'checkoutPage', campaignId: '3' });
    const lead = await call('lead', { campaignId: '3', sessionId: click.body.message.sessionId, firstName: 'Ada', lastName: 'L', emailAddress: 'a@b.co' });
    const orderId = lead.body.message.orderId;
    // Not paid yet: Konnektive refuses to confirm a partial order.
    assert.equal((await call('confirm', { orderId }, 'confirm-key-0001')).body.result, 'ERROR');
    assert.equal((await call('confirm', { orderId }, 'confirm-key-0002')).body.result, 'ERROR');
    assert.equal(confirms().length, 2);
    await handler.close?.();
  });

  test('0 turns it off: a paid order is not scheduled', async () => {
    const { store, handler, buy } = setup(0);
    await buy();
    assert.deepEqual(await store.claimDue(CONFIRM_SCHEDULE, Number.MAX_SAFE_INTEGER, 10), []);
    await handler.close?.();
  });
});
