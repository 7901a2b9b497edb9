import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../src/proxy/fetch.js';
import { purchaseOf, withoutPurchase, withPurchase } from '../../src/proxy/purchase.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { json, ORDER, proxy, request } from './helpers.js';

const SERUM = { productId: 2, name: 'Glow Serum', qty: 2, price: 79.9, shipping: 4.95 };
const CREAM = { productId: 7, name: 'Night Cream', qty: 1, price: 24.95, shipping: 0 };
const ORDER_ANSWER = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 84.85, items: [SERUM], emailAddress: 'ada@example.com', firstName: 'Ada' };
const UPSALE_ANSWER = { ...ORDER_ANSWER, totalAmount: 109.8, items: [SERUM, CREAM] };
const never = async () => assert.fail('an order has no upsale number');

describe('purchaseOf: what GA4 and Meta count, from the answer alone', () => {
  test('an order: all its lines at its total; price per unit; no personal data', async () => {
    const purchase = await purchaseOf('order', {}, { result: 'SUCCESS', message: ORDER_ANSWER }, never);
    assert.deepEqual(purchase, { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] });
    assert.doesNotMatch(JSON.stringify(purchase), /ada|Ada/);
  });

  test('an upsale: the last line of each product it asked for, at price + shipping, numbered by the store counter', async () => {
    const numbers: string[] = [];
    const purchase = await purchaseOf('upsale', { orderId: 'ABCDE12345', productId: '7' }, { result: 'SUCCESS', message: UPSALE_ANSWER }, async (orderId) => (numbers.push(orderId), 3));
    assert.deepEqual(purchase, { transaction_id: 'ABCDE12345-U3', value: 24.95, items: [{ item_id: '7', item_name: 'Night Cream', price: 24.95, quantity: 1 }] });
    assert.deepEqual(numbers, ['ABCDE12345']);
  });

  test('an upsale by product<N>_id, and one whose product Konnektive does not list: its last line', async () => {
    const byNumbered = await purchaseOf('upsale', { product1_id: '2' }, { result: 'SUCCESS', message: UPSALE_ANSWER }, async () => 1);
    assert.deepEqual(byNumbered?.items.map((i) => i.item_id), ['2']);
    assert.equal(byNumbered?.value, 84.85);
    const unknown = await purchaseOf('upsale', { productId: '99' }, { result: 'SUCCESS', message: UPSALE_ANSWER }, async () => 1);
    assert.deepEqual(unknown?.items.map((i) => i.item_id), ['7']);
  });

  test('Konnektive strings are numbers too', async () => {
    const purchase = await purchaseOf('order', {}, { result: 'SUCCESS', message: { ...ORDER_ANSWER, totalAmount: '84.85', items: [{ ...SERUM, price: '79.90', qty: '2' }] } }, never);
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
    test(`no purchase for ${name}`, async () => assert.equal(await purchaseOf('order', {}, answer, never), undefined));
  }
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
