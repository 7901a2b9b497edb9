import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { ORIGIN, AUTH, type Sandbox, call, RETURNS, lead, ask, PROXY_RETURNS, order, post } from './helpers.js';

describe('sandbox: PayPal', () => {
  async function paypalOrder(sandbox: Sandbox) {
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', paySource: 'PAYPAL', salesUrl: 'https://shop.test/checkout.html', ...RETURNS });
    return { orderId, json };
  }

  test('paySource=PAYPAL answers MERC_REDIRECT to the fake PayPal page, which returns with token and PayerID', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await paypalOrder(sandbox);
    assert.equal(json.result, 'MERC_REDIRECT');
    const token = new URL(json.message.url).searchParams.get('token') as string;
    assert.match(token, /^EC-[0-9A-F]{16}$/);
    assert.match(await (await sandbox.fetch(new Request(json.message.url))).text(), /Pay with PayPal/);
    const back = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/paypal/${token}/approve`, { method: 'POST' }));
    const location = new URL(back.headers.get('location') as string);
    assert.equal(location.origin + location.pathname, 'https://shop.test/checkout.html');
    assert.equal(location.searchParams.get('token'), token);
    const payerId = location.searchParams.get('PayerID') as string;
    const confirmed = await call(sandbox, '/transactions/confirmPaypal/', { token, payerId, orderId });
    assert.equal(confirmed.json.result, 'SUCCESS');
    assert.equal(confirmed.json.message.orderStatus, 'COMPLETE');
    const twice = await call(sandbox, '/transactions/confirmPaypal/', { token, PayerID: payerId });
    assert.match(twice.json.message, /already been used/);
  });

  const confirmErrors: Array<[string, (token: string) => Record<string, string>, RegExp]> = [
    ['no token', () => ({ payerId: 'X' }), /token and payerId are required/],
    ['an unknown token', () => ({ token: 'EC-0000000000000000', payerId: 'X' }), /Invalid PayPal token/],
    ['a token the payer has not approved', (token) => ({ token, payerId: 'X' }), /not yet approved/],
  ];
  for (const [name, params, text] of confirmErrors) {
    test(`Confirm PayPal refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const { json } = await paypalOrder(sandbox);
      const token = new URL(json.message.url).searchParams.get('token') as string;
      assert.match((await call(sandbox, '/transactions/confirmPaypal/', params(token))).json.message, text);
    });
  }

  test('cancel returns to errorRedirectsTo with errorMsg', async () => {
    const sandbox = createSandbox(AUTH);
    const { json } = await paypalOrder(sandbox);
    const token = new URL(json.message.url).searchParams.get('token') as string;
    const back = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/paypal/${token}/cancel`, { method: 'POST' }));
    assert.match(back.headers.get('location') as string, /checkout\.html\?errorMsg=PayPal/);
  });
});

describe('sandbox: paypalClientMetadataId', () => {
  test('recorded from Import Order, or from Confirm PayPal when sent there', async () => {
    for (const where of ['order', 'confirm'] as const) {
      const sandbox = createSandbox(AUTH);
      const metadata = { paypalClientMetadataId: `cmid-${where}-0123456789abcdef` };
      const answer = await order(sandbox, { paySource: 'PAYPAL', salesUrl: 'https://shop.test/checkout.html', ...PROXY_RETURNS, ...(where === 'order' ? metadata : {}) });
      const token = new URL(answer.message.url).searchParams.get('token') as string;
      await post(sandbox, `${ORIGIN}/_sandbox/paypal/${token}/approve`);
      const confirmed = await ask(sandbox, '/transactions/confirmPaypal/', { token, payerId: 'P1', ...(where === 'confirm' ? metadata : {}) });
      assert.equal(confirmed.result, 'SUCCESS');
      assert.equal(sandbox.state().orders[0]?.transactions[0]?.paypalClientMetadataId, metadata.paypalClientMetadataId, where);
    }
  });
});
