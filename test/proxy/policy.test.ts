import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { json, LOGIN, ORDER, proxy, request, SITE } from './helpers.js';

describe('proxy: forwarding, per route', () => {
  const rows: Array<[route: string, path: string, body: Record<string, string>, adds: string[], key?: string]> = [
    ['click', '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri: `${SITE}/?affId=AbC&c1=x%26y`, httpReferer: SITE }, ['ipAddress', 'userAgent']],
    ['lead', '/leads/import/', { campaignId: '3', firstName: 'Ada', lastName: 'L', emailAddress: 'a@b.co' }, ['ipAddress']],
    ['order', '/order/import/', ORDER, ['ipAddress', 'userAgent'], 'order-key-0001'],
    ['upsale', '/upsale/import/', { orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), productId: '10' }, ['ipAddress'], 'upsale-key-0001'],
    ['paypal', '/transactions/confirmPaypal/', { token: 'EC-1', payerId: 'P1', orderId: 'ABCDE12345' }, [], 'paypal-key-0001'],
    ['confirm', '/order/confirm/', { orderId: 'ABCDE12345' }, []],
  ];
  for (const [route, path, body, adds, key] of rows) {
    test(`/kfunnel/${route} -> POST form-encoded ${path} with the credentials`, async () => {
      const upstream = recordingUpstream(() => konnektive('SUCCESS', { ok: route }));
      const handler = proxy(upstream);
      const response = await handler(request(route, { body, key, headers: { 'user-agent': 'UA/1' } }), { clientAddress: '198.51.100.7' });
      const { status, body: answer } = await json(response);
      assert.equal(status, 200);
      assert.deepEqual(answer, { result: 'SUCCESS', message: { ok: route } });
      assert.equal(upstream.calls.length, 1);
      const call = upstream.calls[0];
      assert.ok(call);
      assert.equal(call.url, `https://konnektive.test${path}`);
      assert.equal(call.method, 'POST');
      assert.equal(call.contentType, 'application/x-www-form-urlencoded');
      assert.equal(call.params.loginId, LOGIN.loginId);
      assert.equal(call.params.password, LOGIN.password);
      for (const [name, value] of Object.entries(body)) assert.equal(call.params[name], value, name);
      assert.equal(call.params.ipAddress, adds.includes('ipAddress') ? '198.51.100.7' : undefined);
      assert.equal(call.params.userAgent, adds.includes('userAgent') ? 'UA/1' : undefined);
      assert.match(response.headers.get('x-request-id') as string, /^[0-9a-f]{16}$/);
    });
  }

  test('a form-encoded browser body works as JSON does', async () => {
    const upstream = recordingUpstream();
    const response = await proxy(upstream)(
      request('click', { body: 'pageType=leadPage&sessionId=' + 'b'.repeat(32), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    );
    assert.equal(response.status, 200);
    assert.equal(upstream.calls[0]?.params.sessionId, 'b'.repeat(32));
  });

  test("Konnektive's ERROR passes through with 200", async () => {
    const upstream = recordingUpstream(() => konnektive('ERROR', 'Transaction Declined: Insufficient Funds'));
    const { status, body } = await json(await proxy(upstream)(request('order', { body: ORDER, key: 'order-key-err1' })));
    assert.equal(status, 200);
    assert.deepEqual(body, { result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' });
  });

  test('unknown fields are dropped and named in KFunnel-Ignored-Fields', async () => {
    const upstream = recordingUpstream();
    const response = await proxy(upstream)(request('click', { body: { pageType: 'presellPage', requestUri: SITE, submit: 'Go', agree: 'on' } }));
    assert.equal(response.headers.get('kfunnel-ignored-fields'), 'submit, agree');
    assert.equal(upstream.calls[0]?.params.submit, undefined);
  });

  test('campaignId is filled when KFUNNEL_CAMPAIGN_IDS has exactly one', async () => {
    const upstream = recordingUpstream();
    await proxy(upstream, { campaignIds: ['3'] })(request('click', { body: { pageType: 'presellPage', requestUri: SITE } }));
    assert.equal(upstream.calls[0]?.params.campaignId, '3');
  });

  test('PayPal orders get forceMerchantId and paypalBillerId from KFUNNEL_PAYPAL_MERCHANT_ID', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://paypal.test' }));
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...rest } = ORDER;
    await proxy(upstream, { paypalMerchantId: '42' })(request('order', { body: { ...rest, paySource: 'PAYPAL', salesUrl: `${SITE}/checkout.html` }, key: 'paypal-order-01' }));
    assert.equal(upstream.calls[0]?.params.forceMerchantId, '42');
    assert.equal(upstream.calls[0]?.params.paypalBillerId, '42');
  });
});
