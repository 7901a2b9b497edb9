import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createProxyHandler, kfunnelMiddleware, MemoryIdempotencyStore, MemoryStore, startProxyServer, type ProxyOptions, type ProxyStore } from '../src/server/index.js';
import { configFromEnv, parseTrustProxy } from '../src/proxy/config.js';
import { signReturn } from '../src/proxy/return-leg.js';
import { Signer } from '../src/proxy/signing.js';
import { requestIdMaker } from '../src/proxy/handler.js';
import { redactor } from '../src/proxy/log.js';
import { createSandbox, startSandboxServer } from '../src/sandbox/index.js';
import { abortable, konnektive, recordingUpstream } from './helpers/upstream.js';
import { NODE_ADAPTER, overNodeAdapter } from './helpers/node-adapter.js';

const SITE = 'https://shop.test';
const LOGIN = { loginId: 'proxy-login-7Q', password: 'proxy-password-x9' };
/** The visitor the requests below come from (its HttpOnly cookie), and the orders it made earlier. */
const VISITOR = 'TestVisitor00000000001';
const OTHER_VISITOR = 'OtherVisitor0000000002';
const HELD_ORDERS = ['ABCDE12345', 'A', 'X'];

/** A store in which VISITOR already holds HELD_ORDERS, as if its lead calls had made them. */
function storeWithGrants(store: ProxyStore = new MemoryStore()) {
  void store.addToSet(`grants:${VISITOR}`, HELD_ORDERS, 60_000);
  return store;
}

/** The proxy as a fetch handler, or (KFUNNEL_TEST_ADAPTER=node, test/proxy-node.test.ts) through its Node adapter. */
function proxy(upstream: ReturnType<typeof recordingUpstream>, options: Partial<ProxyOptions> = {}, log: string[] = []) {
  const handler = createProxyHandler({
    ...LOGIN,
    apiUrl: 'https://konnektive.test',
    fetch: upstream.fetch,
    log: (line) => log.push(line),
    rateLimitPerMinute: 0,
    publicOrigins: [SITE],
    ...options,
    store: storeWithGrants(options.store ?? options.idempotencyStore),
  });
  return NODE_ADAPTER ? overNodeAdapter(handler) : handler;
}

interface Send {
  body?: string | Uint8Array<ArrayBuffer> | Record<string, unknown>;
  headers?: Record<string, string>;
  method?: string;
  origin?: string | null;
  key?: string;
  /** The visitor cookie sent; null sends none. */
  visitor?: string | null;
}

function request(route: string, { body = {}, headers = {}, method = 'POST', origin = SITE, key, visitor = VISITOR }: Send = {}) {
  const all: Record<string, string> = { ...headers };
  if (origin) all.origin = origin;
  if (key) all['idempotency-key'] = key;
  if (visitor) all.cookie = `kf_v=${visitor}`;
  const raw = typeof body === 'string' || body instanceof Uint8Array;
  if (!raw) all['content-type'] ??= 'application/json';
  return new Request(`${SITE}/kfunnel/${route}`, {
    method,
    headers: all,
    body: method === 'GET' || method === 'HEAD' ? undefined : raw ? body : JSON.stringify(body),
  });
}

async function json(response: Response) {
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
}

const ORDER = { campaignId: '3', orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };
const COMPLETE = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 89.85, items: [{ productId: 2 }] };

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
    assert.equal(upstream.calls[0].params.sessionId, 'b'.repeat(32));
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
    assert.equal(upstream.calls[0].params.submit, undefined);
  });

  test('campaignId is filled when KFUNNEL_CAMPAIGN_IDS has exactly one', async () => {
    const upstream = recordingUpstream();
    await proxy(upstream, { campaignIds: ['3'] })(request('click', { body: { pageType: 'presellPage', requestUri: SITE } }));
    assert.equal(upstream.calls[0].params.campaignId, '3');
  });

  test('PayPal orders get forceMerchantId and paypalBillerId from KFUNNEL_PAYPAL_MERCHANT_ID', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://paypal.test' }));
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...rest } = ORDER;
    await proxy(upstream, { paypalMerchantId: '42' })(request('order', { body: { ...rest, paySource: 'PAYPAL', salesUrl: `${SITE}/checkout.html` }, key: 'paypal-order-01' }));
    assert.equal(upstream.calls[0].params.forceMerchantId, '42');
    assert.equal(upstream.calls[0].params.paypalBillerId, '42');
  });
});

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
      assert.equal(JSON.parse(log[0]).result, code);
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

describe('proxy: upstream failures', () => {
  const rows: Array<[name: string, script: Parameters<typeof recordingUpstream>[0], status: number, code: string]> = [
    ['connection refused', () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), 502, 'upstream_unreachable'],
    ['HTTP 500', () => new Response('Internal Server Error', { status: 500 }), 502, 'upstream_error'],
    ['HTTP 502 with HTML', () => new Response('<html><h1>502 Bad Gateway</h1></html>', { status: 502, headers: { 'content-type': 'text/html' } }), 502, 'upstream_error'],
    ['HTML with 200', () => new Response('<html>maintenance</html>', { status: 200 }), 502, 'upstream_bad_response'],
    ['truncated JSON', () => new Response('{"result":"SUCC', { status: 200 }), 502, 'upstream_bad_response'],
    ['JSON without result', () => new Response('{"ok":true}', { status: 200 }), 502, 'upstream_bad_response'],
    [
      'reset mid-answer',
      () => new Response(new ReadableStream({ pull: (c) => (c.enqueue(new TextEncoder().encode('{"result":')), c.error(new Error('ECONNRESET'))) }), { status: 200 }),
      502,
      'upstream_bad_response',
    ],
    ['no answer in time', (_call, signal) => abortable(signal, 5000, () => konnektive('SUCCESS', {})), 504, 'upstream_timeout'],
  ];
  for (const [name, script, status, code] of rows) {
    test(`${name} -> ${status} ${code}, no upstream internals`, async () => {
      const upstream = recordingUpstream(script);
      const { body } = await json(await proxy(upstream, { timeoutMs: 100 })(request('click', { body: { pageType: 'presellPage' } })));
      assert.equal(body.code, code);
      assert.doesNotMatch(body.message, /ECONN|fetch failed|konnektive\.test|Bad Gateway|maintenance/);
      assert.equal(upstream.calls.length, 1);
    });
  }
});

describe('proxy: idempotency', () => {
  test('concurrent duplicates reach Konnektive once and all get the first answer', async () => {
    const upstream = recordingUpstream(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return konnektive('SUCCESS', COMPLETE);
    });
    const handler = proxy(upstream);
    const responses = await Promise.all(Array.from({ length: 8 }, () => handler(request('order', { body: ORDER, key: 'same-attempt-0001' }))));
    assert.equal(upstream.to('/order/import/').length, 1);
    const bodies = await Promise.all(responses.map((r) => r.text()));
    assert.ok(bodies.every((b) => b === bodies[0]));
    assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed')).length, 7);
  });

  test('a later repeat is replayed, not forwarded; a new key is forwarded', async () => {
    const upstream = recordingUpstream(() => konnektive('ERROR', 'Transaction Declined: Insufficient Funds'));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'attempt-one-0001' }));
    const again = await handler(request('order', { body: ORDER, key: 'attempt-one-0001' }));
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(upstream.calls.length, 1);
    await handler(request('order', { body: ORDER, key: 'attempt-two-0001' }));
    assert.equal(upstream.calls.length, 2);
  });

  test('the same key with a different body is refused (422)', async () => {
    const handler = proxy(recordingUpstream(() => konnektive('ERROR', 'declined')));
    await handler(request('order', { body: ORDER, key: 'reused-key-0001' }));
    const { status, body } = await json(await handler(request('order', { body: { ...ORDER, product1_id: '3' }, key: 'reused-key-0001' })));
    assert.equal(status, 422);
    assert.equal(body.code, 'idempotency_key_reused');
  });

  test('an answer that comes after the browser gave up is kept: the retry gets it, nothing is charged twice', async () => {
    const upstream = recordingUpstream((_call, signal) => abortable(signal, 300, () => konnektive('SUCCESS', COMPLETE)));
    const handler = proxy(upstream, { moneyTimeoutMs: 50 });
    const first = await json(await handler(request('order', { body: ORDER, key: 'slow-attempt-001' })));
    assert.equal(first.status, 504);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const retry = await json(await handler(request('order', { body: ORDER, key: 'slow-attempt-001' })));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.orderStatus, 'COMPLETE');
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a retry while the first is still running waits for it', async () => {
    // Konnektive answers at 150 ms; the browser gives up at 100 ms and resends at once.
    const upstream = recordingUpstream((_call, signal) => abortable(signal, 150, () => konnektive('SUCCESS', COMPLETE)));
    const handler = proxy(upstream, { moneyTimeoutMs: 100 });
    assert.equal((await handler(request('order', { body: ORDER, key: 'slow-attempt-002' }))).status, 504);
    const retry = await handler(request('order', { body: ORDER, key: 'slow-attempt-002' }));
    assert.equal(retry.status, 200);
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a lost answer is settled with Query Order: charged -> the retry gets the order, no second charge', async () => {
    const upstream = recordingUpstream(() => new Response('{"result":"SUCCESS","mess', { status: 200 }));
    const handler = proxy(upstream);
    assert.equal((await handler(request('order', { body: ORDER, key: 'lost-attempt-001' }))).status, 502);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { totalResults: 1, data: [COMPLETE] }) : konnektive('SUCCESS', COMPLETE)));
    const retry = await json(await handler(request('order', { body: ORDER, key: 'lost-attempt-001' })));
    assert.equal(retry.status, 200);
    assert.equal(retry.body.message.orderStatus, 'COMPLETE');
    assert.equal(upstream.to('/order/import/').length, 1, 'Import Order was sent once');
    assert.equal(upstream.to('/order/query/')[0].params.orderId, ORDER.orderId);
  });

  test('a lost answer that was not charged is sent again, once', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'lost-attempt-002' }));
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { data: [{ ...COMPLETE, orderStatus: 'PARTIAL' }] }) : konnektive('SUCCESS', COMPLETE)));
    assert.equal((await handler(request('order', { body: ORDER, key: 'lost-attempt-002' }))).status, 200);
    assert.equal(upstream.to('/order/import/').length, 2);
  });

  test('while Konnektive cannot be asked, a lost answer is not sent again', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'lost-attempt-003' }));
    const retry = await json(await handler(request('order', { body: ORDER, key: 'lost-attempt-003' })));
    assert.equal(retry.status, 502);
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('a lost upsale answer is settled by the product on the order', async () => {
    const upstream = recordingUpstream(() => Promise.reject(new TypeError('fetch failed')));
    const handler = proxy(upstream);
    const upsale = { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' };
    await handler(request('upsale', { body: upsale, key: 'lost-upsale-001' }));
    upstream.answer(() => konnektive('SUCCESS', { data: [{ ...COMPLETE, items: [{ productId: 2 }, { productId: 10 }] }] }));
    const retry = await json(await handler(request('upsale', { body: upsale, key: 'lost-upsale-001' })));
    assert.equal(retry.status, 200);
    assert.equal(upstream.to('/upsale/import/').length, 1);
  });

  test('a paid order is never charged again, whatever the key; its upsales only for its own visitor', async () => {
    const upstream = recordingUpstream(() => konnektive('SUCCESS', COMPLETE));
    const handler = proxy(upstream);
    await handler(request('order', { body: ORDER, key: 'first-pay-0001' }));
    const resubmit = await handler(request('order', { body: { ...ORDER, product1_id: '3' }, key: 'second-pay-001' }));
    assert.equal(resubmit.status, 200);
    assert.equal(resubmit.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(upstream.to('/order/import/').length, 1);
    const foreign = await json(await handler(request('upsale', { body: { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' }, key: 'foreign-upsale1', visitor: OTHER_VISITOR })));
    assert.equal(foreign.status, 403);
    assert.equal(foreign.body.code, 'not_your_order');
    const own = await handler(request('upsale', { body: { orderId: ORDER.orderId, sessionId: ORDER.sessionId, productId: '10' }, key: 'own-upsale-0001' }));
    assert.equal(own.status, 200);
    assert.equal(upstream.to('/upsale/import/').length, 1);
  });

  test('keys expire after their time to live', async () => {
    const store = new MemoryIdempotencyStore();
    const upstream = recordingUpstream(() => konnektive('ERROR', 'declined'));
    const handler = proxy(upstream, { idempotencyStore: store, idempotencyTtlMs: 30 });
    await handler(request('upsale', { body: { orderId: 'X', productId: '10' }, key: 'expiring-key-01' }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await handler(request('upsale', { body: { orderId: 'X', productId: '10' }, key: 'expiring-key-01' }));
    assert.equal(upstream.calls.length, 2);
  });

  test('another instance holding the key (shared store): the repeat waits for its answer', async () => {
    const store = new MemoryIdempotencyStore();
    const slow = recordingUpstream((_call, signal) => abortable(signal, 300, () => konnektive('SUCCESS', COMPLETE)));
    const fast = recordingUpstream(() => konnektive('SUCCESS', { other: true }));
    const a = proxy(slow, { idempotencyStore: store });
    const b = proxy(fast, { idempotencyStore: store });
    const first = a(request('order', { body: ORDER, key: 'shared-store-001' }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await json(await b(request('order', { body: ORDER, key: 'shared-store-001' })));
    assert.equal((await first).status, 200);
    assert.equal(second.body.message.orderStatus, 'COMPLETE');
    assert.equal(fast.calls.length, 0);
  });
});

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
      assert.equal(upstream.calls[0].params.ipAddress, expected);
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

describe('proxy: the 3-D Secure return leg', () => {
  async function returnUrls(handler: ReturnType<typeof proxy>, upstream: ReturnType<typeof recordingUpstream>) {
    await handler(request('order', { body: { ...ORDER, redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` }, key: 'three-ds-key-01' }));
    const params = upstream.calls[0].params;
    return { redirectsTo: params.redirectsTo, errorRedirectsTo: params.errorRedirectsTo };
  }

  test('Konnektive gets signed return links on the proxy instead of the page URLs', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const { redirectsTo, errorRedirectsTo } = await returnUrls(proxy(upstream), upstream);
    assert.match(redirectsTo, /^https:\/\/shop\.test\/kfunnel\/return\/s\/[\w-]+\.[\w-]+$/);
    assert.match(errorRedirectsTo, /^https:\/\/shop\.test\/kfunnel\/return\/e\/[\w-]+\.[\w-]+$/);
  });

  test('success: a cross-site POST with no cookies is sent on to the next page (303) and the order, checked with Query Order, is recorded', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { totalResults: 1, data: [COMPLETE] }) : konnektive('ERROR', 'unexpected')));
    const orderData = JSON.stringify({ ...COMPLETE, sessionId: ORDER.sessionId });
    const response = await handler(
      new Request(redirectsTo, { method: 'POST', headers: { origin: 'https://bank.test', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ finalizeTransaction: '1', orderData }) }),
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `${SITE}/upsell1.html`);
    assert.equal(upstream.to('/order/query/')[0].params.orderId, ORDER.orderId);
    const resubmit = await handler(request('order', { body: ORDER, key: 'after-3ds-0001' }));
    assert.equal(resubmit.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('posted orderData is never believed: an order Konnektive has not completed is not recorded as paid', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { data: [{ ...COMPLETE, orderStatus: 'PARTIAL' }] }) : konnektive('ERROR', 'Transaction Declined')));
    const orderData = JSON.stringify({ ...COMPLETE, orderId: ORDER.orderId });
    const response = await handler(new Request(redirectsTo, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ orderData }) }));
    assert.equal(response.status, 303);
    const resubmit = await handler(request('order', { body: ORDER, key: 'after-forged-01' }));
    assert.equal(resubmit.headers.get('idempotent-replayed'), null, 'the order was not recorded as paid');
    assert.equal(upstream.to('/order/import/').length, 2, 'the real buyer can still pay');
  });

  test('a return link only works on the host it was made for, and not for another visitor', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream, { publicOrigins: [SITE, 'https://other-shop.test'] });
    const { redirectsTo } = await returnUrls(handler, upstream);
    const moved = await json(await handler(new Request(redirectsTo.replace(SITE, 'https://other-shop.test'))));
    assert.equal(moved.body.code, 'bad_return_link');
    const stranger = await json(await handler(new Request(redirectsTo, { headers: { cookie: `kf_v=${OTHER_VISITOR}` } })));
    assert.equal(stranger.body.code, 'not_your_order');
    const own = await handler(new Request(redirectsTo, { headers: { cookie: `kf_v=${VISITOR}` } }));
    assert.equal(own.status, 303);
  });

  test('failure: errorMsg goes back to the checkout', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { errorRedirectsTo } = await returnUrls(handler, upstream);
    const response = await handler(new Request(`${errorRedirectsTo}?errorMsg=Card+not+enrolled`));
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location') as string);
    assert.equal(location.pathname, '/checkout.html');
    assert.equal(location.searchParams.get('errorMsg'), 'Card not enrolled');
  });

  test('PayPal coming back to redirectsTo with token and PayerID goes to the page that confirms it', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://paypal.test' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    const response = await handler(new Request(`${redirectsTo}?token=EC-1&PayerID=P9`));
    const location = new URL(response.headers.get('location') as string);
    assert.equal(location.pathname, '/checkout.html');
    assert.equal(location.searchParams.get('token'), 'EC-1');
    assert.equal(location.searchParams.get('PayerID'), 'P9');
  });

  const forged: Array<[string, (link: string) => string]> = [
    ['a forged signature', (link) => link.replace(/\.[\w-]+$/, '.AAAA')],
    ['a payload swapped to another site', (link) => link.replace(/\/s\/[\w-]+\./, `/s/${Buffer.from(JSON.stringify(['return', 'https://evil.test/', 'https://evil.test/', 9e9, 'ABCDE12345', 'x', SITE])).toString('base64url')}.`)],
  ];
  for (const [name, tamper] of forged) {
    test(`${name} is refused (400), as a page for a browser`, async () => {
      const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test' }));
      const handler = proxy(upstream);
      const { redirectsTo } = await returnUrls(handler, upstream);
      const response = await handler(new Request(tamper(redirectsTo), { headers: { accept: 'text/html' } }));
      assert.equal(response.status, 400);
      assert.match(await response.text(), /please do not pay again/i);
    });
  }

  test('an expired link is refused', async () => {
    const signer = new Signer(`kfunnel-return:${LOGIN.loginId}:${LOGIN.password}`);
    const token = await signReturn(signer, { next: `${SITE}/a`, back: `${SITE}/b`, expires: Math.floor(Date.now() / 1000) - 1, orderId: 'ABCDE12345', visitor: 'x', origin: SITE });
    const response = await proxy(recordingUpstream())(new Request(`${SITE}/kfunnel/return/s/${token}`));
    assert.equal((await json(response)).body.code, 'bad_return_link');
  });
});

describe('proxy: logging', () => {
  test('one redacted JSON line per request; no card data or credentials, whatever the browser sends', async () => {
    const log: string[] = [];
    const upstream = recordingUpstream(() => konnektive('SUCCESS', COMPLETE));
    const handler = proxy(upstream, {}, log);
    const secrets = ['4111111111111111', '4111 1111 1111 1111', '737', LOGIN.loginId, LOGIN.password, '123456789012'];
    await handler(request('order', { body: { ...ORDER, cardSecurityCode: '737', achAccountNumber: '123456789012' }, key: 'logged-key-0001' }));
    await handler(request('click', { body: { pageType: 'presellPage', '4111 1111 1111 1111': 'x', [LOGIN.password]: 'y' } }));
    await handler(request('click', { body: { loginId: LOGIN.loginId } }));
    assert.equal(log.length, 3);
    for (const line of log) {
      const { id, time, ms, ...rest } = JSON.parse(line);
      assert.ok(id && rest.route && rest.status && typeof ms === 'number');
      // The id is hex and the time and duration are digits: a 3-digit CVV could match them by chance.
      const content = JSON.stringify(rest);
      for (const secret of secrets) assert.ok(!content.includes(secret), `log line leaks ${secret}: ${line}`);
    }
    assert.equal(JSON.parse(log[0]).result, 'SUCCESS');
  });

  test('the logged id is the X-Request-Id header', async () => {
    const log: string[] = [];
    const response = await proxy(recordingUpstream(), {}, log)(request('click', { body: { pageType: 'presellPage' } }));
    assert.equal(JSON.parse(log[0]).id, response.headers.get('x-request-id'));
  });

  test('no request id looks like a card number to the log mask, whatever the instance draws', () => {
    const mask = redactor([]);
    for (const seed of [0, 0x12345678, 0x99999999, 0x00000009, 0xfffffff0, 0xffffffff]) {
      const next = requestIdMaker(seed);
      for (let i = 0; i < 200; i++) {
        const id = next();
        assert.match(id, /^[0-9a-f]{16}$/);
        assert.equal(mask(id), id, `seed ${seed.toString(16)} made ${id}`);
      }
    }
  });
});

const requestAs = request;

describe('proxy: runtimes', () => {
  test('the bare fetch handler runs the whole flow against the sandbox', async () => {
    const sandbox = createSandbox({ loginId: 'sandbox', password: 'sandbox' });
    const handler = createProxyHandler({ loginId: 'sandbox', password: 'sandbox', apiUrl: 'http://sandbox.test', fetch: (input, init) => sandbox.fetch(new Request(input as string, init)), log: () => {}, rateLimitPerMinute: 0, publicOrigins: [SITE] });
    // A fresh visitor: the click answer gives it its cookie, which the calls below carry like a browser does.
    const first = await handler(requestAs('click', { visitor: null, body: { pageType: 'checkoutPage', campaignId: '3', requestUri: `${SITE}/checkout.html?affId=X1` } }));
    const visitorCookie = first.headers.getSetCookie().find((c) => c.startsWith('__Host-kf_v=')) as string;
    assert.match(visitorCookie, /^__Host-kf_v=[\w-]{22}; Path=\/; Max-Age=\d+; SameSite=Lax; Secure; HttpOnly$/);
    const visitor = visitorCookie.slice('__Host-kf_v='.length, visitorCookie.indexOf(';'));
    const request = (route: string, send: Send) => requestAs(route, { ...send, visitor: null, headers: { cookie: `__Host-kf_v=${visitor}` } });
    const click = await json(first);
    const sessionId = click.body.message.sessionId;
    const lead = await json(await handler(request('lead', { body: { campaignId: '3', sessionId, firstName: 'Ada', lastName: 'L', emailAddress: 'a@b.co' } })));
    const orderId = lead.body.message.orderId;
    const order = await json(
      await handler(
        request('order', {
          key: 'sandbox-flow-001',
          body: { ...ORDER, sessionId, orderId, address1: '1 A St', city: 'Austin', postalCode: '78701', country: 'US', redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` },
        }),
      ),
    );
    assert.equal(order.body.message.orderStatus, 'COMPLETE');
    const upsale = await json(await handler(request('upsale', { key: 'sandbox-flow-002', body: { orderId, sessionId, productId: '10' } })));
    assert.equal(upsale.body.result, 'SUCCESS');
    const confirm = await json(await handler(request('confirm', { body: { orderId } })));
    assert.equal(confirm.body.result, 'SUCCESS');
    const state = sandbox.state();
    assert.equal(state.sessions[0].affVals.affId, 'X1');
    assert.deepEqual(state.orders[0].items.map((i: any) => i.productId), [2, 10]);
    assert.equal(state.orders[0].confirmations, 1);
  });

  test('`kfunnel proxy`: the node:http server forwards to KONNEKTIVE_API_URL (a sandbox server here)', async () => {
    const sandbox = await startSandboxServer({ loginId: 'node-login', password: 'node-password' });
    const server = await startProxyServer({ loginId: 'node-login', password: 'node-password', apiUrl: sandbox.url, log: () => {} });
    try {
      const response = await fetch(`${server.url}/kfunnel/click`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ pageType: 'presellPage', campaignId: '3', requestUri: `${server.url}/?affId=N1` }),
      });
      const body = await response.json();
      assert.equal(body.result, 'SUCCESS');
      assert.equal(sandbox.sandbox.state().sessions[0].clicks[0].ipAddress, '127.0.0.1');
      const refused = await fetch(`${server.url}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.test' }, body: '{}' });
      assert.equal(refused.status, 403);
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  test('Connect/Express middleware handles its base path and passes everything else on', async () => {
    const upstream = recordingUpstream();
    const middleware = kfunnelMiddleware({ ...LOGIN, apiUrl: 'https://konnektive.test', fetch: upstream.fetch, log: () => {} });
    const server = createServer((req, res) => {
      // An Express-style body parser that ran first on /kfunnel/lead.
      const parsed = req.url === '/kfunnel/lead';
      const next = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('next');
      if (!parsed) return middleware(req, res, next);
      let text = '';
      req.on('data', (chunk) => (text += chunk)).on('end', () => middleware(Object.assign(req, { body: JSON.parse(text) }), res, next));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const other = await fetch(`${base}/about.html`);
      assert.equal(await other.text(), 'next');
      const click = await fetch(`${base}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"pageType":"presellPage"}' });
      assert.equal((await click.json()).result, 'SUCCESS');
      const lead = await fetch(`${base}/kfunnel/lead`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"firstName":"Ada"}' });
      assert.equal(lead.status, 200);
      assert.equal(upstream.to('/leads/import/')[0].params.firstName, 'Ada');
    } finally {
      server.close();
    }
  });
});
