import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configFromEnv, createProxyHandler, parseTrustProxy } from '../../src/proxy/fetch.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { COMPLETE, ORDER, proxy, request, SITE, VISITOR } from './helpers.js';

describe('proxy: origins and the visitor address', () => {
  test('an allowed origin gets CORS for itself, never a wildcard; preflight works', async () => {
    const handler = proxy(recordingUpstream(), { allowedOrigins: ['https://landers.test'] });
    const response = await handler(request('click', { body: { pageType: 'presellPage' }, origin: 'https://landers.test' }));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://landers.test');
    const preflight = await handler(new Request(`${SITE}/kfunnel/order`, { method: 'OPTIONS', headers: { origin: 'https://landers.test', 'access-control-request-method': 'POST' } }));
    assert.equal(preflight.status, 204);
    assert.match(preflight.headers.get('access-control-allow-headers') as string, /Idempotency-Key/);
    const denied = await handler(new Request(`${SITE}/kfunnel/order`, { method: 'OPTIONS', headers: { origin: 'https://evil.test' } }));
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('access-control-allow-origin'), null);
  });

  test('same-origin requests get no CORS headers at all', async () => {
    const response = await proxy(recordingUpstream())(request('click', { body: { pageType: 'presellPage' } }));
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });

  const addressRows: Array<[string, string | undefined, Record<string, string>, string]> = [
    ['ignores X-Forwarded-For by default', undefined, { 'x-forwarded-for': '1.2.3.4' }, '10.0.0.1'],
    ['believes the last hop when trusted', 'true', { 'x-forwarded-for': '9.9.9.9, 1.2.3.4' }, '1.2.3.4'],
    ['counts hops', '2', { 'x-forwarded-for': '9.9.9.9, 1.2.3.4, 5.6.7.8' }, '1.2.3.4'],
    ['reads CF-Connecting-IP for cloudflare', 'cloudflare', { 'cf-connecting-ip': '2001:db8::1', 'x-forwarded-for': '1.1.1.1' }, '2001:db8::1'],
    ['ignores CF-Connecting-IP unless told', undefined, { 'cf-connecting-ip': '2001:db8::1' }, '10.0.0.1'],
  ];
  for (const [name, trust, headers, expected] of addressRows) {
    test(`ipAddress ${name}`, async () => {
      const upstream = recordingUpstream();
      await proxy(upstream, { trustProxy: parseTrustProxy(trust) })(request('click', { body: { pageType: 'presellPage' }, headers }), { clientAddress: '10.0.0.1' });
      assert.equal(upstream.calls[0]?.params.ipAddress, expected);
    });
  }

  test('behind a TLS-terminating proxy, the configured https origin makes the https page same-origin', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', COMPLETE));
    const handler = proxy(upstream);
    const response = await handler(
      new Request('http://shop.test/kfunnel/order', { method: 'POST', headers: { origin: SITE, cookie: `kf_v=${VISITOR}`, 'idempotency-key': 'tls-terminated-1', 'content-type': 'application/json' }, body: JSON.stringify(ORDER) }),
    );
    assert.equal(response.status, 200);
  });

  test('environment configuration, with a clear error for a bad KFUNNEL_TRUST_PROXY', () => {
    const config = configFromEnv({
      KONNEKTIVE_LOGIN_ID: 'l',
      KONNEKTIVE_PASSWORD: 'p',
      KONNEKTIVE_API_URL: 'https://api.checkoutchamp.com',
      KFUNNEL_CAMPAIGN_IDS: '3, 5',
      KFUNNEL_ALLOWED_ORIGINS: 'https://a.test,https://b.test',
      KFUNNEL_TRUST_PROXY: 'cloudflare',
      KFUNNEL_RATE_LIMIT: '0',
    });
    assert.deepEqual(config.campaignIds, ['3', '5']);
    assert.deepEqual(config.allowedOrigins, ['https://a.test', 'https://b.test']);
    assert.equal(config.trustProxy, 'cloudflare');
    assert.equal(config.rateLimitPerMinute, 0);
    assert.throws(() => parseTrustProxy('maybe'), /KFUNNEL_TRUST_PROXY must be/);
    assert.throws(() => createProxyHandler({ loginId: '', password: '' }), /loginId and password are required/);
  });
});
