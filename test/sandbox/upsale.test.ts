import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox, DEMO_CAMPAIGN } from '../../src/sandbox/index.js';
import { AUTH, call, RETURNS, lead, completeOrder, order } from './helpers.js';

describe('sandbox: Import Upsale', () => {
  test('appends to a COMPLETE order, charged to its pay source', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId, sessionId } = await completeOrder(sandbox);
    const { json } = await call(sandbox, '/upsale/import/', { orderId, sessionId, productId: '10' });
    assert.equal(json.result, 'SUCCESS');
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [2, 10]);
    assert.equal(json.message.totalAmount, 114.8);
  });

  test('replaceProductId swaps the offer; productN_* style works too', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox);
    const { json } = await call(sandbox, '/upsale/import/', { orderId, product1_id: '3', replaceProductId: '2' });
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [3]);
  });

  test('the decline-upsales card declines every upsale', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox, '4000000000000341');
    const { json } = await call(sandbox, '/upsale/import/', { orderId, productId: '10' });
    assert.deepEqual(json, { result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' });
  });

  test('a 3-D Secure order challenges each upsale too', async () => {
    const sandbox = createSandbox(AUTH);
    const { json: order } = await completeOrder(sandbox, '4000000000003220');
    await sandbox.fetch(new Request(`${order.message.url}/approve`, { method: 'POST' }));
    const orderId = sandbox.state().orders[0]?.orderId as string;
    const { json } = await call(sandbox, '/upsale/import/', { orderId, productId: '10', ...RETURNS });
    assert.equal(json.result, 'MERC_REDIRECT');
    await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    assert.deepEqual(sandbox.state().orders[0]?.items.map((i: any) => i.productId), [2, 10]);
  });

  test('closes after the upsell window', async () => {
    let now = Date.now();
    const sandbox = createSandbox({ ...AUTH, now: () => now });
    const { orderId } = await completeOrder(sandbox);
    now += (DEMO_CAMPAIGN.upsellWindowMinutes + 1) * 60_000;
    assert.match((await call(sandbox, '/upsale/import/', { orderId, productId: '10' })).json.message, /upsell window \(120 minutes\)/);
  });

  const errors: Array<[string, (orderId: string) => Record<string, string>, RegExp]> = [
    ['no orderId', () => ({ productId: '10' }), /orderId is required/],
    ['an unknown order', () => ({ orderId: 'ABCDEF0123', productId: '10' }), /Invalid orderId/],
    ['no product', (orderId) => ({ orderId }), /No products specified/],
    ['an unknown product', (orderId) => ({ orderId, productId: '77' }), /Invalid product id 77/],
    ['replacing a product not on the order', (orderId) => ({ orderId, productId: '10', replaceProductId: '3' }), /replaceProductId 3 is not on this order/],
  ];
  for (const [name, params, text] of errors) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const { orderId } = await completeOrder(sandbox);
      assert.match((await call(sandbox, '/upsale/import/', params(orderId))).json.message, text);
    });
  }

  test('refuses an order that is only a lead', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    assert.match((await call(sandbox, '/upsale/import/', { orderId, productId: '10' })).json.message, /only be added to a COMPLETE order/);
  });
});
