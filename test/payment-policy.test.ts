import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProxyHandler, MemoryStore } from '../src/server/index.js';
import { createSandbox } from '../src/sandbox/index.js';
import { PREPAID_TYPES } from '../src/shared/konnektive.js';
import { konnektive, recordingUpstream, sandboxUpstream } from './helpers/upstream.js';
import { capture } from './helpers/text.js';

const SITE = 'https://shop.test';
const LOGIN = { loginId: 'pay-login-7Q', password: 'pay-password-x9' };
const ORDER = { campaignId: '3', orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), product1_id: '1' };
const CARD = { cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };
const RETURNS = { redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` };
const THREE_DS = { cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAA=', eci: '05', xid: 'MDAwMDAwMDAwMDAwMDAwMDAwMDE=', rebill_cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAB=', rebill_eci: '07' };

/** The visitor the requests come from (its HttpOnly cookie), holding the order they name. */
const VISITOR = 'PaymentVisitor00000001';

let keys = 0;
function send(handler: ReturnType<typeof createProxyHandler>, route: string, body: Record<string, string>, visitor = VISITOR) {
  return handler(
    new Request(`${SITE}/kfunnel/${route}`, {
      method: 'POST',
      headers: { origin: SITE, 'content-type': 'application/json', 'idempotency-key': `payment-key-${++keys}-x`, cookie: `kf_v=${visitor}` },
      body: JSON.stringify(body),
    }),
    { clientAddress: '198.51.100.7' },
  );
}

function proxy(upstream = recordingUpstream(() => konnektive('SUCCESS', { orderId: 'ABCDE12345' }))) {
  const store = new MemoryStore();
  void store.addToSet(`grants:${VISITOR}`, ['ABCDE12345'], 60_000);
  return { upstream, handler: createProxyHandler({ ...LOGIN, apiUrl: 'https://konnektive.test', fetch: upstream.fetch, log: () => {}, rateLimitPerMinute: 0, publicOrigins: [SITE], store }) };
}

describe('proxy: payment parameters Konnektive documents', () => {
  const passes: Array<[name: string, route: string, body: Record<string, string>, forwarded: string[]]> = [
    ['paypalClientMetadataId on order', 'order', { ...ORDER, paySource: 'PAYPAL', salesUrl: `${SITE}/checkout.html`, ...RETURNS, paypalClientMetadataId: 'cmid-0123' }, ['paySource', 'paypalClientMetadataId']],
    ['paypalClientMetadataId on paypal', 'paypal', { orderId: 'ABCDE12345', token: 'EC-1', payerId: 'P1', paypalClientMetadataId: 'cmid-0123' }, ['paypalClientMetadataId']],
    ['external 3-D Secure results on order', 'order', { ...ORDER, ...CARD, ...THREE_DS }, Object.keys(THREE_DS)],
    ['PREPAID on upsale', 'upsale', { orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), productId: '10', paySource: 'PREPAID', prepaidType: 'KLARNA', ...RETURNS }, ['paySource', 'prepaidType']],
    ...PREPAID_TYPES.map((prepaidType): [string, string, Record<string, string>, string[]] => [
      `PREPAID ${prepaidType} on order, with no card fields`,
      'order',
      { ...ORDER, paySource: 'PREPAID', prepaidType, ...RETURNS },
      ['paySource', 'prepaidType'],
    ]),
  ];
  for (const [name, route, body, forwarded] of passes) {
    test(`${name} is forwarded`, async () => {
      const { upstream, handler } = proxy();
      const response = await send(handler, route, body);
      assert.equal(response.status, 200, await response.clone().text());
      assert.equal(response.headers.get('kfunnel-ignored-fields'), null);
      const params = upstream.calls[0]?.params ?? {};
      for (const field of forwarded) assert.equal(params[field], body[field], field);
    });
  }

  const ignored: Array<[string, string, Record<string, string>, string]> = [
    ['paypalClientMetadataId on lead', 'lead', { campaignId: '3', firstName: 'A', lastName: 'B', emailAddress: 'a@b.co', paypalClientMetadataId: 'x' }, 'paypalClientMetadataId'],
    ['cavv on upsale', 'upsale', { orderId: 'ABCDE12345', productId: '10', cavv: 'AAAB' }, 'cavv'],
  ];
  for (const [name, route, body, field] of ignored) {
    test(`${name} is dropped and named`, async () => {
      const { upstream, handler } = proxy();
      const response = await send(handler, route, body);
      assert.equal(response.headers.get('kfunnel-ignored-fields'), field);
      assert.equal(upstream.calls[0]?.params[field], undefined);
    });
  }

  const refused: Array<[string, string, Record<string, string>, string]> = [
    ['an unknown prepaidType', 'order', { ...ORDER, paySource: 'PREPAID', prepaidType: 'BITCOIN', ...RETURNS }, 'bad_prepaid_type'],
    ['a lower-case prepaidType', 'order', { ...ORDER, paySource: 'PREPAID', prepaidType: 'klarna', ...RETURNS }, 'bad_prepaid_type'],
    ['PREPAID without prepaidType', 'order', { ...ORDER, paySource: 'PREPAID', ...RETURNS }, 'bad_prepaid_type'],
    ['prepaidType without PREPAID', 'order', { ...ORDER, ...CARD, prepaidType: 'KLARNA' }, 'bad_prepaid_type'],
    ['an unknown prepaidType on upsale', 'upsale', { orderId: 'ABCDE12345', productId: '10', paySource: 'PREPAID', prepaidType: 'CASH', ...RETURNS }, 'bad_prepaid_type'],
    ['an unknown paySource', 'order', { ...ORDER, paySource: 'BITCOIN' }, 'bad_pay_source'],
    ['an unknown paySource on upsale', 'upsale', { orderId: 'ABCDE12345', productId: '10', paySource: 'CHECK' }, 'bad_pay_source'],
  ];
  for (const [name, route, body, code] of refused) {
    test(`${name} is refused: 400 ${code}, nothing forwarded`, async () => {
      const { upstream, handler } = proxy();
      const response = await send(handler, route, body);
      assert.equal(response.status, 400);
      const answer = await response.json();
      assert.equal(answer.result, 'ERROR');
      assert.equal(answer.code, code);
      assert.match(answer.message, code === 'bad_prepaid_type' ? /prepaidType \(KLARNA, IDEAL/ : /CREDITCARD, PAYPAL or PREPAID/);
      assert.equal(upstream.calls.length, 0);
    });
  }
});

describe('proxy + sandbox: PREPAID end to end', () => {
  test('KLARNA: order -> MERC_REDIRECT to the stand-in page -> approve -> signed return leg -> next page; Query Order agrees', async () => {
    const sandbox = createSandbox(LOGIN);
    const upstream = sandboxUpstream(sandbox);
    const handler = createProxyHandler({ ...LOGIN, apiUrl: 'http://sandbox.test', fetch: upstream, log: () => {}, rateLimitPerMinute: 0, publicOrigins: [SITE] });
    const leadResponse = await send(handler, 'lead', { campaignId: '3', firstName: 'Ada', lastName: 'L', emailAddress: 'ada@example.com' }, '');
    const visitor = leadResponse.headers.getSetCookie().join(';').match(/kf_v=([^;]+)/)![1];
    const lead = await leadResponse.json();
    const orderId = lead.message.orderId;
    const answer = await (await send(handler, 'order', { campaignId: '3', orderId, product1_id: '1', address1: '1 A', city: 'B', postalCode: '1', country: 'US', paySource: 'PREPAID', prepaidType: 'KLARNA', ...RETURNS }, visitor)).json();
    assert.equal(answer.result, 'MERC_REDIRECT', JSON.stringify(answer));
    const token = answer.message.url.match(/\/_sandbox\/pay\/([0-9a-f]{24})$/)[1];

    const finalize = await (await sandbox.fetch(new Request(`http://sandbox.test/_sandbox/pay/${token}/approve`, { method: 'POST' }))).text();
    const action = capture(finalize, /action="([^"]+)"/);
    assert.match(action, /^https:\/\/shop\.test\/kfunnel\/return\/s\//, 'Konnektive got the signed return link, not the page');
    const orderData = capture(finalize, /name="orderData" value="([^"]*)"/).replace(/&#34;/g, '"');
    const back = await handler(new Request(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ finalizeTransaction: '1', orderData }) }));
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), RETURNS.redirectsTo);

    const queried = await (await sandbox.fetch(new Request('http://sandbox.test/order/query/', { method: 'POST', body: new URLSearchParams({ ...LOGIN, orderId }) }))).json();
    assert.deepEqual(
      (({ orderStatus, paySource, prepaidType, amountPaid }) => ({ orderStatus, paySource, prepaidType, amountPaid }))(queried.message.data[0]),
      { orderStatus: 'COMPLETE', paySource: 'PREPAID', prepaidType: 'KLARNA', amountPaid: 45.9 },
    );
  });
});
