import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ProxyOptions } from '../../src/proxy/fetch.js';
import { recordingUpstream } from '../helpers/upstream.js';
import { json, ORDER, proxy, request, type Send } from './helpers.js';

describe('proxy: refusals, each with its status and code', () => {
  const big = 'x'.repeat(70 * 1024);
  const rows: Array<[name: string, send: Send & { route?: string }, status: number, code: string, options?: Partial<ProxyOptions>]> = [
    ['bad JSON', { body: '{"a":', headers: { 'content-type': 'application/json' } }, 400, 'bad_body'],
    ['a JSON array', { body: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'bad_body'],
    ['a nested value', { body: { pageType: { $ne: 1 } } }, 400, 'bad_field'],
    ['a repeated form field', { body: 'campaignId=3&campaignId=4', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 400, 'duplicate_field'],
    ['invalid UTF-8', { body: new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: { 'content-type': 'application/json' } }, 400, 'bad_encoding'],
    ['loginId in the body', { body: { loginId: 'x' } }, 403, 'credentials_in_request'],
    ['Password in a form (any case)', { body: 'PassWord=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 403, 'credentials_in_request'],
    ['a price override', { route: 'order', key: 'price-key-0001', body: { ...ORDER, product1_price: '0.01' } }, 403, 'price_override'],
    ['a shipping override', { route: 'order', key: 'price-key-0002', body: { ...ORDER, Product1_ShipPrice: '0' } }, 403, 'price_override'],
    ['a tax override', { route: 'order', key: 'price-key-0003', body: { ...ORDER, salesTax: '0' } }, 403, 'price_override'],
    ['an upsale price override', { route: 'upsale', key: 'price-key-0004', body: { orderId: 'A', productId: '10', productPrice: '0' } }, 403, 'price_override'],
    ['a campaign outside KFUNNEL_CAMPAIGN_IDS', { body: { campaignId: '4', pageType: 'presellPage' } }, 403, 'campaign_not_allowed', { campaignIds: ['3'] }],
    ['another origin', { origin: 'https://evil.test' }, 403, 'origin_not_allowed'],
    ['Origin: null', { origin: 'null' }, 403, 'origin_not_allowed'],
    ['an order with no Origin or Referer', { route: 'order', origin: null, key: 'no-origin-key-1', body: ORDER }, 403, 'origin_required'],
    ['an order from a Referer on another site', { route: 'order', origin: null, key: 'no-origin-key-2', body: ORDER, headers: { referer: 'https://evil.test/page' } }, 403, 'origin_not_allowed'],
    ['an unknown route', { route: 'delete-everything' }, 404, 'unknown_route'],
    ['a path trick', { route: '../order' }, 404, 'unknown_route'],
    ['GET on a route', { method: 'GET' }, 405, 'method_not_allowed'],
    ['a body over 64 KB', { body: big, headers: { 'content-type': 'application/json' } }, 413, 'payload_too_large'],
    ['XML', { body: '<a/>', headers: { 'content-type': 'application/xml' } }, 415, 'unsupported_media_type'],
    ['an order without Idempotency-Key', { route: 'order', body: ORDER }, 400, 'missing_idempotency_key'],
    ['an upsale without Idempotency-Key', { route: 'upsale', body: { orderId: 'A', productId: '10' } }, 400, 'missing_idempotency_key'],
    ['a malformed Idempotency-Key', { route: 'order', key: 'short', body: ORDER }, 400, 'bad_idempotency_key'],
    ['redirectsTo on another site', { route: 'order', key: 'redir-key-0001', body: { ...ORDER, redirectsTo: 'https://evil.test/' } }, 400, 'bad_redirect'],
    ['a javascript: salesUrl', { route: 'order', key: 'redir-key-0002', body: { ...ORDER, salesUrl: 'javascript:alert(1)' } }, 400, 'bad_redirect'],
    ['paySource CHECK', { route: 'order', key: 'pay-key-00001', body: { ...ORDER, paySource: 'CHECK' } }, 400, 'bad_pay_source'],
    ['a field over 500 characters', { body: { pageType: 'p'.repeat(501) } }, 400, 'field_too_long'],
    ['a NUL byte', { body: { pageType: 'a\u0000b' } }, 400, 'bad_field'],
  ];
  for (const [name, send, status, code, options] of rows) {
    test(`${name} -> ${status} ${code}`, async () => {
      const upstream = recordingUpstream();
      const log: string[] = [];
      const response = await proxy(upstream, options, log)(request(send.route ?? 'click', { body: { pageType: 'presellPage' }, ...send }));
      const { body } = await json(response);
      assert.equal(response.status, status);
      assert.equal(body.result, 'ERROR');
      assert.equal(body.code, code);
      assert.ok(typeof body.message === 'string' && body.message.length > 10);
      assert.doesNotMatch(JSON.stringify(body), /at \w+ \(|node:internal|\.ts:\d+/, 'no stack trace');
      assert.equal(upstream.calls.length, 0, 'nothing reaches Konnektive');
      assert.equal(response.headers.get('access-control-allow-origin'), null);
      assert.equal(JSON.parse(log[0] ?? '').result, code);
    });
  }

  test('a request id comes back on refusals too', async () => {
    const response = await proxy(recordingUpstream())(request('nope'));
    assert.match(response.headers.get('x-request-id') as string, /^[0-9a-f]{16}$/);
  });

  test('429 with Retry-After past the per-visitor rate limit, other visitors unaffected', async () => {
    const upstream = recordingUpstream();
    const handler = proxy(upstream, { rateLimitPerMinute: 3 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await handler(request('click', { body: { pageType: 'presellPage' } }), { clientAddress: '203.0.113.1' })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429, 429]);
    const limited = await handler(request('click', { body: { pageType: 'presellPage' } }), { clientAddress: '203.0.113.1' });
    assert.equal((await json(limited)).body.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    assert.equal((await handler(request('click', { body: { pageType: 'presellPage' } }), { clientAddress: '203.0.113.2' })).status, 200);
  });
});
