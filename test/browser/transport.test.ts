import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import { createStorage } from '../../src/browser/storage.js';
import { createTransport } from '../../src/browser/transport.js';

const CONFIG = { endpoint: 'https://shop.test/kfunnel', debug: false, fraudPixel: false, pixels: true, analytics: true, currency: 'USD' };
const PAGE_ORIGIN = 'https://shop.test';
const newStorage = () => createStorage(new Window() as unknown as globalThis.Window);
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

const rows: Array<[string, () => Response | Promise<Response>, Record<string, unknown>]> = [
  ['SUCCESS', () => json(200, { result: 'SUCCESS', message: { orderId: 'A' } }), { ok: true, result: 'SUCCESS', message: { orderId: 'A' }, replayed: false }],
  ['a replayed SUCCESS', () => json(200, { result: 'SUCCESS', message: {} }, { 'idempotent-replayed': 'true' }), { ok: true, replayed: true }],
  ['a SUCCESS with the proxy\'s purchase', () => json(200, { result: 'SUCCESS', message: { orderId: 'A' }, purchase: { transaction_id: 'A', value: 10, items: [] } }), { ok: true, purchase: { transaction_id: 'A', value: 10, items: [] } }],
  ['a replayed SUCCESS, without a purchase', () => json(200, { result: 'SUCCESS', message: { orderId: 'A' } }, { 'idempotent-replayed': 'true' }), { ok: true, replayed: true, purchase: undefined }],
  ['MERC_REDIRECT', () => json(200, { result: 'MERC_REDIRECT', message: { url: 'https://bank.test' } }), { ok: true, result: 'MERC_REDIRECT', message: { url: 'https://bank.test' } }],
  ['a Konnektive ERROR string', () => json(200, { result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }), { ok: false, code: 'konnektive', message: 'Transaction Declined: Insufficient Funds', status: 200, retryable: false }],
  ['a Konnektive ERROR object', () => json(200, { result: 'ERROR', message: { firstName: 'firstName is required' } }), { ok: false, code: 'konnektive', message: { firstName: 'firstName is required' }, retryable: false }],
  ['an unknown result', () => json(200, { result: 'DECLINE', message: 'x' }), { ok: false, code: 'konnektive', retryable: false }],
  ['a proxy refusal (403)', () => json(403, { result: 'ERROR', message: 'no', code: 'price_override' }), { ok: false, code: 'price_override', status: 403, retryable: false }],
  ['the proxy\'s card check (400 invalid_card)', () => json(400, { result: 'ERROR', code: 'invalid_card', message: 'Please check the card details.', fields: { cardNumber: ['cardNumber'], cardSecurityCode: ['cvv', { digits: 4 }] } }), { ok: false, code: 'invalid_card', status: 400, retryable: false, fields: { cardNumber: ['cardNumber'], cardSecurityCode: ['cvv', { digits: 4 }] } }],
  ['rate limited (429)', () => json(429, { result: 'ERROR', message: 'wait', code: 'rate_limited' }), { ok: false, code: 'rate_limited', retryable: true }],
  ['in progress (409)', () => json(409, { result: 'ERROR', message: 'wait', code: 'in_progress' }), { ok: false, code: 'in_progress', retryable: true }],
  ['upstream unreachable (502)', () => json(502, { result: 'ERROR', message: 'x', code: 'upstream_unreachable' }), { ok: false, code: 'upstream_unreachable', retryable: true }],
  ['upstream timeout (504)', () => json(504, { result: 'ERROR', message: 'x', code: 'upstream_timeout' }), { ok: false, code: 'upstream_timeout', retryable: true }],
  ['an HTML error page (a CDN in front)', () => new Response('<html>502</html>', { status: 502 }), { ok: false, code: 'bad_response', status: 502, retryable: true }],
  ['a truncated body', () => new Response('{"result":"SUCC', { status: 200 }), { ok: false, code: 'bad_response', retryable: true }],
  ['a network failure', () => Promise.reject(new TypeError('Failed to fetch')), { ok: false, code: 'network', status: 0, retryable: true }],
  ['ky timing out', () => Promise.reject(Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })), { ok: false, code: 'timeout', retryable: true }],
];

// The click goes straight to fetch, every other route through ky: both map every answer the same way.
for (const route of ['order', 'click'] as const) {
  for (const [name, answer, expected] of rows) {
    test(`${route}: maps ${name}`, async () => {
      const send = createTransport(CONFIG, newStorage(), PAGE_ORIGIN, (async (_input: RequestInfo | URL, _init?: RequestInit) => answer()) as typeof fetch);
      const result = await send(route, { a: '1' }, route === 'order' ? { idempotencyKey: 'k'.repeat(32) } : {});
      for (const [key, value] of Object.entries(expected)) assert.deepEqual((result as any)[key], value, key);
    });
  }
}

// One timeout for both ways of sending (the click's straight fetch and ky): each route's own wait.
for (const [route, waitMs] of [['click', 15_000], ['order', 70_000]] as const) {
  test(`${route}: a proxy that never answers ends in a timeout after ${waitMs} ms, retryable`, async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let aborted = false;
    const send = createTransport(CONFIG, newStorage(), PAGE_ORIGIN, ((input: RequestInfo | URL, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        // The click passes its signal in init; ky passes a Request that carries it.
        (init?.signal ?? (input as Request).signal).addEventListener('abort', () => {
          aborted = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      })) as typeof fetch);
    const pending = send(route, { pageType: 'presellPage' }, route === 'order' ? { idempotencyKey: 'k'.repeat(32) } : {});
    // Let ky reach its fetch (it awaits its hooks first); the wait runs from the call.
    await new Promise((resolve) => setImmediate(resolve));
    t.mock.timers.tick(waitMs - 1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(aborted, false);
    t.mock.timers.tick(1);
    const result = await pending;
    assert.equal(aborted, true);
    assert.deepEqual([result.ok, !result.ok && result.code, !result.ok && result.retryable], [false, 'timeout', true]);
  });
}

test('sends JSON to endpoint/route with the key and keepalive, never throwing', async () => {
  let seen: Request | undefined;
  const send = createTransport(CONFIG, newStorage(), PAGE_ORIGIN, (async (input: RequestInfo | URL, init?: RequestInit) => {
    seen = new Request(input, init);
    return json(200, { result: 'SUCCESS', message: {} });
  }) as typeof fetch);
  await send('lead', { firstName: 'Ada', emailAddress: 'a@b.co' }, { idempotencyKey: 'key-12345678', keepalive: true });
  assert.equal(seen?.url, 'https://shop.test/kfunnel/lead');
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.headers.get('content-type'), 'application/json');
  assert.equal(seen?.headers.get('idempotency-key'), 'key-12345678');
  assert.equal(seen?.keepalive, true);
  assert.deepEqual(await seen?.json(), { firstName: 'Ada', emailAddress: 'a@b.co' });
  await send('click', { pageType: 'presellPage' }, { headers: { 'KFunnel-Handoff': 'grant' } });
  assert.equal(seen?.url, 'https://shop.test/kfunnel/click');
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.headers.get('content-type'), 'application/json');
  assert.equal(seen?.headers.get('kfunnel-handoff'), 'grant');
  assert.equal(seen?.headers.get('idempotency-key'), null);
  assert.deepEqual(await seen?.json(), { pageType: 'presellPage' });
});

/** A proxy that answers with the given token headers and records each request's headers. */
function tokenProxy(answerHeaders: Record<string, string>) {
  const seen: Headers[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push(new Request(input, init).headers);
    return json(200, { result: 'SUCCESS', message: {} }, answerHeaders);
  }) as typeof globalThis.fetch;
  return { seen, fetch };
}

test('proxy on another origin: the KFunnel-Visitor token it answers with is kept and sent back on every call', async () => {
  const storage = newStorage();
  const proxy = tokenProxy({ 'KFunnel-Visitor': 'v.token-1' });
  const send = createTransport({ ...CONFIG, endpoint: 'https://proxy.other.test/kfunnel' }, storage, PAGE_ORIGIN, proxy.fetch);
  await send('click', { pageType: 'presellPage' });
  await send('lead', { firstName: 'Ada' });
  await send('order', { orderId: 'A' }, { idempotencyKey: 'k'.repeat(32) });
  assert.deepEqual(proxy.seen.map((h) => h.get('kfunnel-visitor')), [null, 'v.token-1', 'v.token-1']);
  assert.equal(storage.get('KFunnel-Visitor'), 'v.token-1');
});

test('proxy on the page origin: no visitor token is kept or sent (the HttpOnly cookie does it)', async () => {
  const storage = newStorage();
  const proxy = tokenProxy({ 'KFunnel-Visitor': 'v.token-1' });
  const send = createTransport(CONFIG, storage, PAGE_ORIGIN, proxy.fetch);
  await send('click', { pageType: 'presellPage' });
  await send('lead', { firstName: 'Ada' });
  assert.deepEqual(proxy.seen.map((h) => h.get('kfunnel-visitor')), [null, null]);
  assert.equal(storage.get('KFunnel-Visitor'), undefined);
});

test('the latest KFunnel-Handoff grant is kept; extra headers (the click\'s grant) are sent', async () => {
  const storage = newStorage();
  const proxy = tokenProxy({ 'KFunnel-Handoff': 'grant-2' });
  const send = createTransport(CONFIG, storage, PAGE_ORIGIN, proxy.fetch);
  storage.set('KFunnel-Handoff', 'grant-1');
  await send('click', { pageType: 'presellPage' }, { headers: { 'KFunnel-Handoff': 'arrived-grant' } });
  assert.equal(proxy.seen[0].get('kfunnel-handoff'), 'arrived-grant');
  assert.equal(storage.get('KFunnel-Handoff'), 'grant-2');
});

test('the page harness\'s fake proxy is platform-shaped: a URL and init work as well as a Request', async () => {
  const { openPage, SCRIPT } = await import('../helpers/page.js');
  const page = await openPage(`${SCRIPT}<p></p>`);
  const init = { method: 'POST', body: JSON.stringify({ firstName: 'Ada' }), headers: { 'Idempotency-Key': 'k-1' } };
  const byUrl = await page.fetch('https://shop.test/kfunnel/lead', init);
  const byRequest = await page.fetch(new Request('https://shop.test/kfunnel/lead', { ...init, headers: { 'Idempotency-Key': 'k-2' } }));
  assert.deepEqual([byUrl.status, byRequest.status], [200, 200]);
  assert.deepEqual(page.to('lead').map((c) => [c.body, c.key]), [[{ firstName: 'Ada' }, 'k-1'], [{ firstName: 'Ada' }, 'k-2']]);
  page.close();
});
