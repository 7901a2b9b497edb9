// What the proxy does for a checkout on its own, before and beside Konnektive: the card check, numbers
// as digits, the lead an order without orderId needs, and what Confirm PayPal wants again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryStore } from '../../src/proxy/fetch.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { json, ORDER, proxy, request } from './helpers.js';

const cookie = (headers: Headers, name: string) => headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0]?.slice(name.length + 1);

describe('the card check: src/shared/cards.ts, before anything reaches Konnektive', () => {
  const rows: Array<[why: string, card: Record<string, string>, fields: Record<string, unknown>]> = [
    ['a Luhn failure', { cardNumber: '4111111111111112' }, { cardNumber: ['cardNumber'] }],
    ['letters in the number', { cardNumber: '4111 1111 abcd 1111' }, { cardNumber: ['cardNumber'] }],
    ['a 3-digit CVV on American Express', { cardNumber: '378282246310005', cardSecurityCode: '123' }, { cardSecurityCode: ['cvv', { digits: 4 }] }],
    ['a past expiry', { cardMonth: '01', cardYear: '2020' }, { cardYear: ['expiry'] }],
    ['a month 13', { cardMonth: '13' }, { cardMonth: ['expiry'] }],
  ];
  for (const [why, card, fields] of rows) {
    test(`${why}: 400 invalid_card naming each field with a catalog key`, async () => {
      const upstream = recordingUpstream();
      const { status, body } = await json(await proxy(upstream)(request('order', { body: { ...ORDER, ...card }, key: 'card-check-0001' })));
      assert.equal(status, 400);
      assert.equal(body.code, 'invalid_card');
      assert.equal(body.result, 'ERROR');
      assert.deepEqual(body.fields, fields);
      assert.equal(upstream.calls.length, 0, 'nothing reaches Konnektive');
      assert.doesNotMatch(JSON.stringify(body), /4111|3782/, 'the card is not echoed');
    });
  }

  test('a good card passes, spaced and dashed as typed; Konnektive gets digits', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', { orderId: 'ABCDE12345', orderStatus: 'COMPLETE' }));
    const { status } = await json(await proxy(upstream)(request('order', { body: { ...ORDER, cardNumber: '4111-1111 1111-1111' }, key: 'card-check-0002' })));
    assert.equal(status, 200);
    assert.equal(upstream.to('/order/import/')[0]?.params.cardNumber, '4111111111111111');
  });

  test('PayPal and redirect payments are not card payments: no card check', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://paypal.test/x' }));
    const { status } = await json(await proxy(upstream)(request('order', { body: { ...ORDER, paySource: 'PAYPAL', cardNumber: '1' }, key: 'card-check-0003' })));
    assert.equal(status, 200);
  });

  test('phone numbers reach Konnektive as digits, on leads and orders', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', { orderId: 'ABCDE12345' }));
    await proxy(upstream)(request('lead', { body: { campaignId: '3', firstName: 'Ada', phoneNumber: '+1 (512) 555-0100' } }));
    assert.equal(upstream.to('/leads/import/')[0]?.params.phoneNumber, '15125550100');
  });
});

describe('an order without an orderId', () => {
  const { orderId, ...withoutOrder } = ORDER;

  test('the proxy makes its lead first, then the order with that orderId; the visitor holds it (kf_oid)', async () => {
    const upstream = recordingUpstream((call) =>
      call.path === '/leads/import/' ? konnektive('SUCCESS', { orderId: 'NEWLEAD001', orderStatus: 'PARTIAL' }) : konnektive('SUCCESS', { orderId: 'NEWLEAD001', orderStatus: 'COMPLETE' }),
    );
    const response = await proxy(upstream)(request('order', { body: { ...withoutOrder, firstName: 'Ada', lastName: 'L' }, key: 'lead-first-0001' }));
    assert.equal(response.status, 200);
    assert.deepEqual(upstream.calls.map((c) => c.path), ['/leads/import/', '/order/import/']);
    assert.equal(upstream.calls[0]?.params.cardNumber, undefined, 'no card data in the lead');
    assert.equal(upstream.calls[0]?.params.firstName, 'Ada');
    assert.equal(upstream.calls[1]?.params.orderId, 'NEWLEAD001');
    assert.equal(cookie(response.headers, 'kf_oid'), 'NEWLEAD001');
  });

  test('declined: the answer has no orderId, but the visitor still gets the lead (kf_oid) and its retry reuses it', async () => {
    const upstream = recordingUpstream((call) =>
      call.path === '/leads/import/' ? konnektive('SUCCESS', { orderId: 'NEWLEAD002', orderStatus: 'PARTIAL' }) : konnektive('ERROR', 'Transaction Declined: Insufficient Funds'),
    );
    const handler = proxy(upstream);
    const declined = await handler(request('order', { body: withoutOrder, key: 'lead-first-0002' }));
    assert.equal((await json(declined)).body.message, 'Transaction Declined: Insufficient Funds');
    assert.equal(cookie(declined.headers, 'kf_oid'), 'NEWLEAD002');
    const retry = await handler(request('order', { body: { ...withoutOrder, orderId: 'NEWLEAD002', cardNumber: '5555555555554444' }, key: 'lead-first-0003' }));
    assert.equal(retry.status, 200, 'the visitor holds the lead the proxy made');
    assert.equal(upstream.to('/leads/import/').length, 1, 'no second lead');
    assert.equal(upstream.to('/order/import/')[1]?.params.orderId, 'NEWLEAD002');
  });

  test('a lead Konnektive refuses: its answer, and no order is sent', async () => {
    const upstream = recordingUpstream(() => konnektive('ERROR', { emailAddress: 'Invalid email address' }));
    const { body } = await json(await proxy(upstream)(request('order', { body: withoutOrder, key: 'lead-first-0004' })));
    assert.deepEqual(body.message, { emailAddress: 'Invalid email address' });
    assert.deepEqual(upstream.calls.map((c) => c.path), ['/leads/import/']);
  });
});

describe('Confirm PayPal gets the PayPal order again', () => {
  test("the order's products, coupon and ship profile, kept by the proxy when the order went to PayPal", async () => {
    const store = new MemoryStore();
    const upstream = recordingUpstream((call) => (call.path === '/order/import/' ? konnektive('MERC_REDIRECT', { paypalUrl: 'https://paypal.test/x' }) : konnektive('SUCCESS', { orderId: 'ABCDE12345', orderStatus: 'COMPLETE' })));
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...paypalOrder } = ORDER;
    await proxy(upstream, { store })(request('order', { body: { ...paypalOrder, paySource: 'PAYPAL', product1_qty: '3', couponCode: 'SAVE10', shipProfileId: '4' }, key: 'paypal-order-0001' }));
    // Another instance sharing the store takes the confirmation: the page it lands on holds no form.
    await proxy(upstream, { store })(request('paypal', { body: { orderId: 'ABCDE12345', token: 'EC-1', payerId: 'P1', sessionId: 'a'.repeat(32) }, key: 'paypal-confirm-0001' }));
    const confirm = upstream.to('/transactions/confirmPaypal/')[0]?.params ?? {};
    assert.deepEqual([confirm.product1_id, confirm.product1_qty, confirm.couponCode, confirm.shipProfileId, confirm.token], ['2', '3', 'SAVE10', '4', 'EC-1']);
  });

  test('what the browser sends wins; a card order keeps nothing', async () => {
    const store = new MemoryStore();
    const upstream = recordingUpstream((call) => konnektive('SUCCESS', { orderId: 'ABCDE12345', orderStatus: call.path === '/order/import/' ? 'PARTIAL' : 'COMPLETE' }));
    await proxy(upstream, { store })(request('order', { body: ORDER, key: 'card-order-0001' }));
    assert.equal(await store.get('paypal-order:ABCDE12345'), undefined);
    await proxy(upstream, { store })(request('paypal', { body: { orderId: 'ABCDE12345', token: 'EC-2', payerId: 'P2', product1_id: '9' }, key: 'paypal-confirm-0002' }));
    assert.equal(upstream.to('/transactions/confirmPaypal/')[0]?.params.product1_id, '9');
  });
});
