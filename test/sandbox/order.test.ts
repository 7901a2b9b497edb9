import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox, TEST_CARDS } from '../../src/sandbox/index.js';
import { ORIGIN, AUTH, call, CARD, lead, completeOrder, ask, PROXY_RETURNS, order } from './helpers.js';

describe('sandbox: Import Order and the test cards', () => {
  test('approves 4111...: COMPLETE, items and totals from the campaign', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await completeOrder(sandbox);
    assert.equal(json.result, 'SUCCESS');
    assert.equal(json.message.orderId, orderId);
    assert.equal(json.message.orderStatus, 'COMPLETE');
    assert.deepEqual(
      json.message.items.map((i: any) => [i.productId, i.qty, i.price]),
      [[2, 1, 89.85]],
    );
    assert.equal(json.message.totalAmount, 89.85);
    assert.equal(json.message.cardLast4, '1111');
    assert.equal(JSON.stringify(sandbox.state()).includes('4111111111111111'), false, 'card number must not be stored');
    assert.equal(JSON.stringify(sandbox.state()).includes('"123"'), false, 'CVV must not be stored');
  });

  test('prices quantity, shipping, ship profile and coupon', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', product1_qty: '2', product2_id: '4', shipProfileId: '2', couponCode: 'save10', ...CARD });
    // 2 x 39.95 + 4.95 = 84.85 base; shipping 5.95 + 0 + 9.95 express; 10 % off the base.
    assert.equal(json.message.basePrice, 84.85);
    assert.equal(json.message.baseShipping, 15.9);
    assert.equal(json.message.totalDiscount, 8.49);
    assert.equal(json.message.totalAmount, 92.26);
  });

  test('honours explicit override parameters (the proxy decides whether they may pass)', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', product1_price: '1.00', product1_shipPrice: '0', ...CARD });
    assert.equal(json.message.totalAmount, 1);
  });

  const cardRows = TEST_CARDS.filter((card) => card.outcome === 'decline');
  for (const card of cardRows) {
    test(`${card.number} declines with "${card.message}" and keeps the order DECLINED for a retry`, async () => {
      const sandbox = createSandbox(AUTH);
      const { json, orderId, sessionId } = await completeOrder(sandbox, card.number);
      assert.deepEqual(json, { result: 'ERROR', message: card.message });
      const order = sandbox.state().orders[0];
      assert.ok(order);
      assert.equal(order.orderStatus, 'DECLINED');
      const retry = await call(sandbox, '/order/import/', { campaignId: '3', sessionId, orderId, product1_id: '2', ...CARD });
      assert.equal(retry.json.message.orderStatus, 'COMPLETE');
      assert.deepEqual(sandbox.state().orders[0]?.transactions.map((t: any) => t.status), ['DECLINED', 'APPROVED']);
    });
  }

  test('3-D Secure card: MERC_REDIRECT to the challenge page; approve POSTs finalizeTransaction to redirectsTo', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await completeOrder(sandbox, '4000000000003220');
    assert.equal(json.result, 'MERC_REDIRECT');
    assert.match(json.message.url, new RegExp(`^${ORIGIN}/_sandbox/3ds/[0-9a-f]{24}$`));
    assert.equal(sandbox.state().orders[0]?.orderStatus, 'PENDING');
    const page = await (await sandbox.fetch(new Request(json.message.url))).text();
    assert.match(page, /Approve payment/);
    const approved = await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    const html = await approved.text();
    assert.match(html, /action="https:\/\/shop.test\/upsell1.html"/);
    assert.match(html, /name="finalizeTransaction" value="1"/);
    assert.match(html, new RegExp(`name="orderData" value="[^"]*${orderId}`));
    assert.equal(sandbox.state().orders[0]?.orderStatus, 'COMPLETE');
  });

  test('3-D Secure fail goes to errorRedirectsTo?errorMsg= and declines', async () => {
    const sandbox = createSandbox(AUTH);
    const { json } = await completeOrder(sandbox, '4000000000003220');
    const failed = await sandbox.fetch(new Request(`${json.message.url}/fail`, { method: 'POST' }));
    assert.equal(failed.status, 303);
    assert.match(failed.headers.get('location') as string, /^https:\/\/shop\.test\/checkout\.html\?errorMsg=3-D%20Secure/);
    assert.equal(sandbox.state().orders[0]?.orderStatus, 'DECLINED');
    const again = await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    assert.equal(again.status, 409, 'a used challenge cannot be approved afterwards');
  });

  const orderErrors: Array<[string, Record<string, string>, RegExp | Record<string, string>]> = [
    ['no products', { ...CARD }, /No products specified/],
    ['an unknown product', { product1_id: '999', ...CARD }, /Invalid product id 999/],
    ['a bad quantity', { product1_id: '1', product1_qty: '0', ...CARD }, /product1_qty must be a whole number/],
    ['an absurd quantity', { product1_id: '1', product1_qty: '100000', ...CARD }, /product1_qty must be a whole number/],
    ['missing card fields', { product1_id: '1' }, { cardNumber: 'cardNumber is required', cardMonth: 'cardMonth is required', cardYear: 'cardYear is required', cardSecurityCode: 'cardSecurityCode is required' }],
    ['a Luhn-invalid card', { product1_id: '1', ...CARD, cardNumber: '4111111111111112' }, /Invalid Card Number/],
    ['an expired card', { product1_id: '1', ...CARD, cardYear: '2020' }, /Expired Card/],
    ['a short CVV', { product1_id: '1', ...CARD, cardSecurityCode: '12' }, /Invalid Security Code/],
    ['an unknown coupon', { product1_id: '1', ...CARD, couponCode: 'FREE' }, { couponCode: 'Coupon code FREE is not valid for this campaign' }],
    ['an unsupported paySource', { product1_id: '1', paySource: 'CHECK' }, /paySource CHECK is not supported/],
    ['PayPal without return URLs', { product1_id: '1', paySource: 'PAYPAL' }, /PayPal requires salesUrl/],
    ['malformed orderItems', { orderItems: '{nope' }, /orderItems must be a JSON object/],
  ];
  for (const [name, params, expected] of orderErrors) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const orderId = await lead(sandbox);
      const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, ...params });
      assert.equal(json.result, 'ERROR');
      if (expected instanceof RegExp) assert.match(json.message, expected);
      else assert.deepEqual(json.message, expected);
    });
  }

  test('accepts orderItems JSON instead of productN_*', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, orderItems: '{"1":1,"4":1}', ...CARD });
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [1, 4]);
  });

  test('an order without a lead needs the address, and refuses a second charge of a COMPLETE order', async () => {
    const sandbox = createSandbox(AUTH);
    const missing = await call(sandbox, '/order/import/', { campaignId: '3', firstName: 'A', lastName: 'B', emailAddress: 'a@b.co', product1_id: '1', ...CARD });
    assert.equal(missing.json.message.address1, 'address1 is required');
    const { orderId } = await completeOrder(sandbox);
    const again = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', ...CARD });
    assert.match(again.json.message, /already been completed/);
  });
});

describe('sandbox: external 3-D Secure results on Import Order', () => {
  test('cavv and eci from the merchant\'s own provider: the 3-D Secure card completes with no challenge, nor for its upsales', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { ...CARD, cardNumber: '4000000000003220', cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAA=', eci: '05', xid: 'MDAwMDAwMDAwMDAwMDAwMDAwMDE=', rebill_cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAB=', rebill_eci: '07', ...PROXY_RETURNS });
    assert.equal(answer.result, 'SUCCESS', JSON.stringify(answer));
    assert.equal(answer.message.orderStatus, 'COMPLETE');
    const recorded = sandbox.state().orders[0];
    assert.ok(recorded);
    assert.deepEqual(recorded.transactions.map((t: any) => [t.status, t.threeDs, t.eci]), [['APPROVED', 'external', '05']]);
    assert.ok(!JSON.stringify(sandbox.state()).includes('AAABBJg0'), 'the cryptogram is not kept');
    const upsale = await ask(sandbox, '/upsale/import/', { orderId: recorded.orderId, productId: '10', ...PROXY_RETURNS });
    assert.equal(upsale.result, 'SUCCESS');
  });

  test('without them the same card is challenged', async () => {
    const sandbox = createSandbox(AUTH);
    assert.equal((await order(sandbox, { ...CARD, cardNumber: '4000000000003220', ...PROXY_RETURNS })).result, 'MERC_REDIRECT');
  });

  test('a declining card still declines with them', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { ...CARD, cardNumber: '4000000000000002', cavv: 'AAAB', eci: '05' });
    assert.equal(answer.message, 'Transaction Declined: Insufficient Funds');
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['cavv without eci', { cavv: 'AAAB' }, /needs both cavv and eci/],
    ['eci without cavv', { eci: '05' }, /needs both cavv and eci/],
    ['a malformed eci', { cavv: 'AAAB', eci: 'five' }, /eci must be a 2-digit/],
    ['a malformed rebill_eci', { cavv: 'AAAB', eci: '05', rebill_eci: '123' }, /rebill_eci must be a 2-digit/],
  ];
  for (const [name, params, message] of bad) {
    test(`refuses ${name}`, async () => {
      const answer = await order(createSandbox(AUTH), { ...CARD, ...params });
      assert.equal(answer.result, 'ERROR');
      assert.match(answer.message, message);
    });
  }
});
