import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../src/proxy/fetch.js';
import { Purchases, withoutPurchase, withPurchase } from '../../src/proxy/purchase.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { json, ORDER, proxy, request, SITE, VISITOR } from './helpers.js';

const SERUM = { productId: 2, name: 'Glow Serum', qty: 2, price: 79.9, shipping: 4.95 };
const CREAM = { productId: 7, name: 'Night Cream', qty: 1, price: 24.95, shipping: 0 };
const ORDER_ANSWER = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 84.85, items: [SERUM], emailAddress: 'ada@example.com', firstName: 'Ada' };
const UPSALE_ANSWER = { ...ORDER_ANSWER, totalAmount: 109.8, items: [SERUM, CREAM] };

describe('Purchases: what GA4 and Meta count, from the answer', () => {
  const purchases = (store = new MemoryStore()) => new Purchases(store, 60_000);

  test('an order: all its lines at its total; price per unit; no personal data', async () => {
    const purchase = await purchases().fromAnswer('order', {}, { result: 'SUCCESS', message: ORDER_ANSWER });
    assert.deepEqual(purchase, { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] });
    assert.doesNotMatch(JSON.stringify(purchase), /ada|Ada/);
  });

  test('an upsale: the last line of each product it asked for, at price + shipping, numbered per order in the store', async () => {
    const store = new MemoryStore();
    await store.increment('upsales:ABCDE12345', 60_000);
    await store.increment('upsales:ABCDE12345', 60_000);
    const purchase = await purchases(store).fromAnswer('upsale', { orderId: 'ABCDE12345', productId: '7' }, { result: 'SUCCESS', message: UPSALE_ANSWER });
    assert.deepEqual(purchase, { transaction_id: 'ABCDE12345-U3', value: 24.95, items: [{ item_id: '7', item_name: 'Night Cream', price: 24.95, quantity: 1 }] });
  });

  test('an upsale by product<N>_id, and one whose product Konnektive does not list: its last line', async () => {
    const byNumbered = await purchases().fromAnswer('upsale', { product1_id: '2' }, { result: 'SUCCESS', message: UPSALE_ANSWER });
    assert.deepEqual(byNumbered?.items.map((item) => item.item_id), ['2']);
    assert.equal(byNumbered?.value, 84.85);
    const unknown = await purchases().fromAnswer('upsale', { productId: '99' }, { result: 'SUCCESS', message: UPSALE_ANSWER });
    assert.deepEqual(unknown?.items.map((item) => item.item_id), ['7']);
  });

  test('Konnektive strings are numbers too', async () => {
    const purchase = await purchases().fromAnswer('order', {}, { result: 'SUCCESS', message: { ...ORDER_ANSWER, totalAmount: '84.85', items: [{ ...SERUM, price: '79.90', qty: '2' }] } });
    assert.deepEqual(purchase?.items[0], { item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 });
    assert.equal(purchase?.value, 84.85);
  });

  const none: Array<[string, unknown]> = [
    ['an ERROR', { result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }],
    ['MERC_REDIRECT (the sale is not made yet)', { result: 'MERC_REDIRECT', message: { url: 'https://bank.test' } }],
    ['a PARTIAL order', { result: 'SUCCESS', message: { ...ORDER_ANSWER, orderStatus: 'PARTIAL' } }],
    ['no orderId', { result: 'SUCCESS', message: { orderStatus: 'COMPLETE' } }],
    ['not an envelope', 'SUCCESS'],
  ];
  for (const [name, answer] of none) {
    test(`no purchase for ${name}`, async () => assert.equal(await purchases().fromAnswer('order', {}, answer), undefined));
  }

  test('on the return leg: the order the first time, then only the lines an upsale added, never the same twice', async () => {
    const store = new MemoryStore();
    const first = await purchases(store).fromReturn(ORDER_ANSWER);
    assert.equal(first?.transaction_id, 'ABCDE12345');
    assert.equal(await purchases(store).fromReturn(ORDER_ANSWER), undefined, 'the bank posted twice');
    const upsale = await purchases(store).fromReturn(UPSALE_ANSWER);
    assert.deepEqual(upsale, { transaction_id: 'ABCDE12345-U1', value: 24.95, items: [{ item_id: '7', item_name: 'Night Cream', price: 24.95, quantity: 1 }] });
    assert.equal(await purchases(store).fromReturn({ ...UPSALE_ANSWER, orderStatus: 'PARTIAL' }), undefined);
  });

  test('an order reported by its answer is not reported again by a return leg; an upsale after it counts from there', async () => {
    const store = new MemoryStore();
    await purchases(store).fromAnswer('order', {}, { result: 'SUCCESS', message: ORDER_ANSWER });
    assert.equal(await purchases(store).fromReturn(ORDER_ANSWER), undefined);
    assert.equal((await purchases(store).fromReturn(UPSALE_ANSWER))?.transaction_id, 'ABCDE12345-U1');
  });

  test('held for the visitor: taken once', async () => {
    const store = new MemoryStore();
    const found = { transaction_id: 'A1', value: 1, items: [] };
    await purchases(store).hold('visitor-hash', found);
    const taken = await Promise.all([purchases(store).take('visitor-hash'), purchases(store).take('visitor-hash')]);
    assert.deepEqual(taken.filter(Boolean), [found], 'two pages loading at once: one reports it');
    assert.equal(await purchases(store).take('visitor-hash'), undefined);
    assert.equal(await purchases(store).take('another-hash'), undefined);
  });
});

describe('the purchase in the answer', () => {
  test('added beside result and message with every other byte as Konnektive sent it; taken out again for a replay', () => {
    const body = '{"result":"SUCCESS","message":{"orderId":"A1","totalAmount":89.90}}\n';
    const purchase = { transaction_id: 'A1', value: 89.9, items: [] };
    const added = withPurchase(body, purchase);
    assert.equal(added, '{"result":"SUCCESS","message":{"orderId":"A1","totalAmount":89.90},"purchase":{"transaction_id":"A1","value":89.9,"items":[]}}');
    assert.deepEqual(JSON.parse(added).purchase, purchase);
    assert.equal(withoutPurchase(added), '{"result":"SUCCESS","message":{"orderId":"A1","totalAmount":89.90}}');
    assert.equal(withoutPurchase(body), body, 'an answer without one is left alone');
  });

  test('an order through the proxy: the answer reports the sale once; the same attempt replayed and a resubmitted paid order report nothing', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', ORDER_ANSWER));
    const handler = proxy(upstream);
    const first = await json(await handler(request('order', { body: ORDER, key: 'purchase-key-0001' })));
    assert.deepEqual(first.body.purchase, { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] });
    assert.deepEqual(first.body.message, ORDER_ANSWER, "Konnektive's own answer is untouched");
    const replay = await json(await handler(request('order', { body: ORDER, key: 'purchase-key-0001' })));
    assert.equal(replay.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(replay.body.purchase, undefined);
    assert.deepEqual(replay.body.message, ORDER_ANSWER);
    const resubmitted = await json(await handler(request('order', { body: { ...ORDER, cardSecurityCode: '321' }, key: 'purchase-key-0002' })));
    assert.equal(resubmitted.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(resubmitted.body.purchase, undefined);
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('upsales through the proxy are numbered U1, U2 per order, in the store every instance shares', async () => {
    const store = new MemoryStore();
    const upstream = recordingUpstream(() => konnektive('SUCCESS', UPSALE_ANSWER));
    const upsale = (handler: ReturnType<typeof proxy>, key: string) =>
      handler(request('upsale', { body: { orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), productId: '7' }, key })).then(json);
    const one = await upsale(proxy(upstream, { store }), 'upsale-key-0001');
    const two = await upsale(proxy(upstream, { store }), 'upsale-key-0002');
    assert.deepEqual([one.body.purchase.transaction_id, two.body.purchase.transaction_id], ['ABCDE12345-U1', 'ABCDE12345-U2']);
    assert.equal(one.body.purchase.value, 24.95);
    const again = await upsale(proxy(upstream, { store }), 'upsale-key-0002');
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(again.body.purchase, undefined, 'a replayed upsale reports nothing, and takes no number');
    const three = await upsale(proxy(upstream, { store }), 'upsale-key-0003');
    assert.equal(three.body.purchase.transaction_id, 'ABCDE12345-U3');
  });
});

describe('a sale completed on the return leg (3-D Secure, redirect payments)', () => {
  test("the visitor's next page reports it: the return leg sets kf_p, the next click answer carries the purchase, once", async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    await handler(request('order', { body: { ...ORDER, redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` }, key: 'three-ds-purchase-1' }));
    const redirectsTo = upstream.calls[0]?.params.redirectsTo ?? '';
    upstream.answer((call) =>
      call.path === '/order/query/' ? konnektive('SUCCESS', { totalResults: 1, data: [ORDER_ANSWER] }) : konnektive('SUCCESS', { sessionId: 'a'.repeat(32) }),
    );
    // The bank's cross-site POST: no cookies.
    const back = await handler(new Request(redirectsTo, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'finalizeTransaction=1' }));
    assert.equal(back.status, 303);
    const flag = back.headers.getSetCookie().find((c) => c.startsWith('kf_p='));
    assert.match(flag ?? '', /^kf_p=1; .*HttpOnly/);
    const click = (cookie: string) => handler(request('click', { body: { pageType: 'upsellPage1', sessionId: 'a'.repeat(32) }, headers: { cookie }, visitor: null })).then(json);
    const stranger = await click('kf_v=OtherVisitor0000000002; kf_p=1');
    assert.equal(stranger.body.purchase, undefined, "another visitor's page gets nothing");
    const next = await click(`kf_v=${VISITOR}; kf_p=1`);
    assert.deepEqual(next.body.purchase, { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] });
    assert.equal(next.body.result, 'SUCCESS');
    assert.match(next.headers.getSetCookie().find((c) => c.startsWith('kf_p=')) ?? '', /^kf_p=; .*Max-Age=0/, 'the flag is cleared');
    const reload = await click(`kf_v=${VISITOR}; kf_p=1`);
    assert.equal(reload.body.purchase, undefined, 'once');
  });

  test('a failed 3-D Secure reports nothing', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    await handler(request('order', { body: { ...ORDER, redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` }, key: 'three-ds-purchase-2' }));
    const errorRedirectsTo = upstream.calls[0]?.params.errorRedirectsTo ?? '';
    const back = await handler(new Request(`${errorRedirectsTo}?errorMsg=Not+enrolled`));
    assert.equal(back.status, 303);
    assert.equal(back.headers.getSetCookie().some((c) => c.startsWith('kf_p=')), false);
  });
});

test('a store that fails while counting the sale: the charge still answers, without a purchase', async () => {
  const store = new MemoryStore();
  const failing = Object.assign(Object.create(store) as MemoryStore, {
    increment: (key: string, ttlMs: number) => (key.startsWith('upsales:') ? Promise.reject(new Error('store down')) : store.increment(key, ttlMs)),
  });
  const upstream = recordingUpstream(() => konnektive('SUCCESS', UPSALE_ANSWER));
  const { status, body } = await json(await proxy(upstream, { store: failing })(request('upsale', { body: { orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), productId: '7' }, key: 'upsale-key-0099' })));
  assert.equal(status, 200);
  assert.deepEqual(body.message, UPSALE_ANSWER);
  assert.equal(body.purchase, undefined);
  assert.equal(upstream.to('/upsale/import/').length, 1);
});
