import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { PREPAID_TYPES } from '../../src/shared/konnektive.js';
import { ORIGIN, AUTH, CARD, ask, PROXY_RETURNS, order, query, post, tokenOf } from './helpers.js';

describe('sandbox: paySource=PREPAID with prepaidType', () => {
  for (const prepaidType of PREPAID_TYPES) {
    test(`${prepaidType}: MERC_REDIRECT to its stand-in page, no card fields needed`, async () => {
      const sandbox = createSandbox(AUTH);
      const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType, ...PROXY_RETURNS });
      assert.equal(answer.result, 'MERC_REDIRECT', JSON.stringify(answer));
      assert.match(answer.message.url, /^http:\/\/127\.0\.0\.1:9100\/_sandbox\/pay\/[0-9a-f]{24}$/);
      const page = await (await sandbox.fetch(new Request(answer.message.url))).text();
      assert.ok(page.includes(`Pay with ${prepaidType}`), 'the page names the method');
      assert.ok(page.includes('$45.90'), 'and what is charged: $39.95 + $5.95 shipping');
    });
  }

  test('approve: the page POSTs finalizeTransaction and the COMPLETE order to redirectsTo; Query Order reports it faithfully', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'KLARNA', ...PROXY_RETURNS });
    const token = tokenOf(answer.message.url);
    const pending = sandbox.state().orders[0];
    assert.ok(pending);
    assert.equal(pending.orderStatus, 'PENDING');
    assert.equal((await query(sandbox, pending.orderId)).amountPaid, 0, 'nothing paid while the shopper is on the provider page');

    const finalize = await post(sandbox, `${ORIGIN}/_sandbox/pay/${token}/approve`);
    assert.equal(finalize.status, 200);
    const html = await finalize.text();
    assert.ok(html.includes(`action="${PROXY_RETURNS.redirectsTo}"`));
    assert.ok(html.includes('name="finalizeTransaction" value="1"'));
    const orderData = JSON.parse(html.match(/name="orderData" value="([^"]*)"/)?.[1]?.replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&#38;/g, '&') ?? '');
    assert.equal(orderData.orderStatus, 'COMPLETE');

    const found = await query(sandbox, pending.orderId);
    assert.equal(found.orderStatus, 'COMPLETE');
    assert.equal(found.paySource, 'PREPAID');
    assert.equal(found.prepaidType, 'KLARNA');
    assert.equal(found.totalAmount, 45.9);
    assert.equal(found.amountPaid, 45.9);
    assert.equal(found.cardLast4, undefined);
    assert.deepEqual(sandbox.state().orders[0]?.transactions.map((t: any) => [t.type, t.status]), [['SALE', 'APPROVED']]);
    assert.equal((await post(sandbox, `${ORIGIN}/_sandbox/pay/${token}/approve`)).status, 409, 'a used payment page cannot pay again');
  });

  test("a payment page's token does not work on the 3-D Secure page", async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'EPS', ...PROXY_RETURNS });
    const token = tokenOf(answer.message.url);
    assert.equal((await post(sandbox, `${ORIGIN}/_sandbox/3ds/${token}/approve`)).status, 404);
    assert.equal(sandbox.state().orders[0]?.orderStatus, 'PENDING');
  });

  test('cancel: back to errorRedirectsTo with errorMsg; the order is DECLINED and Query Order says so', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'IDEAL', ...PROXY_RETURNS });
    const back = await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(answer.message.url)}/cancel`);
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), `${PROXY_RETURNS.errorRedirectsTo}?errorMsg=IDEAL%20payment%20was%20cancelled.`);
    const found = await query(sandbox, sandbox.state().orders[0]?.orderId ?? 'none');
    assert.equal(found.orderStatus, 'DECLINED');
    assert.equal(found.amountPaid, 0);
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['no prepaidType', { paySource: 'PREPAID', ...PROXY_RETURNS }, /Invalid prepaidType/],
    ['an unknown prepaidType', { paySource: 'PREPAID', prepaidType: 'BITCOIN', ...PROXY_RETURNS }, /Invalid prepaidType BITCOIN: expected one of KLARNA/],
    ['no return URLs', { paySource: 'PREPAID', prepaidType: 'KLARNA' }, /requires redirectsTo and errorRedirectsTo/],
    ['an unknown paySource', { paySource: 'CHECK' }, /paySource CHECK is not supported/],
  ];
  for (const [name, params, message] of refusals) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const answer = await order(sandbox, params);
      assert.equal(answer.result, 'ERROR');
      assert.match(answer.message, message);
    });
  }

  test('upsales: PREPAID on a card order redirects; an upsale of a PREPAID order redirects again with its method', async () => {
    const sandbox = createSandbox(AUTH);
    const paid = await order(sandbox, { ...CARD });
    assert.equal(paid.result, 'SUCCESS');
    const upsale = await ask(sandbox, '/upsale/import/', { orderId: paid.message.orderId, productId: '10', paySource: 'PREPAID', prepaidType: 'TWINT', ...PROXY_RETURNS });
    assert.equal(upsale.result, 'MERC_REDIRECT');
    assert.match(await (await sandbox.fetch(new Request(upsale.message.url))).text(), /Pay with TWINT[\s\S]*\$24\.95|\$24\.95[\s\S]*Pay with TWINT/);
    await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(upsale.message.url)}/approve`);
    assert.deepEqual((await query(sandbox, paid.message.orderId)).items.map((i: any) => i.productId), [1, 10]);

    const klarna = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'KLARNA', ...PROXY_RETURNS });
    await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(klarna.message.url)}/approve`);
    const orderId = sandbox.state().orders[0]?.orderId;
    assert.ok(orderId);
    const again = await ask(sandbox, '/upsale/import/', { orderId, productId: '20', ...PROXY_RETURNS });
    assert.equal(again.result, 'MERC_REDIRECT');
    assert.match(await (await sandbox.fetch(new Request(again.message.url))).text(), /Pay with KLARNA/);
    const card = await ask(sandbox, '/upsale/import/', { orderId, productId: '20', paySource: 'CREDITCARD' });
    assert.match(card.message, /cannot be used on Import Upsale/);
  });
});
