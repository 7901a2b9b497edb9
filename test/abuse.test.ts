import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startProxyServer } from '../src/server/index.js';
import { konnektive, recordingUpstream } from './helpers/upstream.js';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const LOGIN = { loginId: 'abuse-login-Zq8', password: 'abuse-password-Vx3' };
/** Everything the proxy may ever send Konnektive for these routes. */
const ALLOWED_UPSTREAM = /^(loginId|password|ipAddress|userAgent|pageType|campaignId|sessionId|orderId|requestUri|httpReferer|fraudPixel|affId|sourceValue[1-5]|custom[1-5]|custom_(order|customer)_\w+|firstName|lastName|companyName|emailAddress|phoneNumber|address[12]|city|state|postalCode|country|billShipSame|ship(FirstName|LastName|CompanyName|Address[12]|City|State|PostalCode|Country)|paySource|card(Number|Month|Year|SecurityCode)|shipProfileId|couponCode|insureShipment|product([1-9]|1\d|20)_(id|qty)|variant([1-9]|1\d|20)_id|salesUrl|redirectsTo|errorRedirectsTo|productId|productQty|replaceProductId|token|payerId)$/;

const upstream = recordingUpstream(() => konnektive('SUCCESS', { sessionId: 'a'.repeat(32) }));
let server: Awaited<ReturnType<typeof startProxyServer>>;
let origin = '';
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

before(async () => {
  server = await startProxyServer({ ...LOGIN, apiUrl: 'https://konnektive.test', fetch: upstream.fetch, rateLimitPerMinute: 0, log: () => {} });
  origin = server.url;
});
after(async () => {
  agent.destroy();
  await server.close();
});

/** A seeded generator: the same attack every run, so a failure can be replayed. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(Number(process.env.ABUSE_SEED ?? 20261125));
const pick = <T>(items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  assert.ok(item !== undefined, 'nothing to pick from');
  return item;
};
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Raw bytes on a fresh connection, for requests node's own client refuses to send. */
function sendRaw(raw: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = Number(head.match(/^HTTP\/1\.1 (\d{3})/)?.[1] ?? 0);
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((line) => [line.slice(0, Math.max(0, line.indexOf(':'))).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status, headers, body: rest.join('\r\n\r\n') });
    });
    socket.end(raw);
  });
}

const ROUTES = ['click', 'lead', 'order', 'upsale', 'paypal', 'confirm'];
const json = { 'content-type': 'application/json' };
const SMUGGLED_NAMES = [
  'loginId', 'LOGINID', 'loginid', 'LoginId', 'password', 'PASSWORD', 'Password', ' loginId', 'loginId ', 'login.Id', 'login Id', 'loginId[]',
  'login\u0456d', 'pass\u200bword', 'product1_price', 'Product1_Price', 'product01_price', 'product1_shipPrice', 'PRODUCT2_SHIPPRICE', 'product1.price',
  'product1 price', 'product1[price]', 'productPrice', 'productShipPrice', 'productSalesTax', 'salesTax', 'SalesTax', 'shipUpcharge', '__proto__', 'constructor',
];

type Attack = () => Promise<{ answer: Answer; allowed: number[] }>;

/** Each kind of attack, and the statuses it may get. 500 is never among them. */
const ATTACKS: Record<string, Attack> = {
  'random bytes, random content type': async () => ({
    answer: await send('POST', `/kfunnel/${pick(ROUTES)}`, { origin, 'content-type': pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', '']) }, bytes(1 + Math.floor(random() * 2000))),
    allowed: [200, 400, 403, 413, 415],
  }),
  'huge JSON': async () => ({ answer: await send('POST', '/kfunnel/click', { origin, ...json }, JSON.stringify({ pageType: 'x'.repeat(70_000 + Math.floor(random() * 1e5)) })), allowed: [413] }),
  'deeply nested JSON': async () => {
    const depth = 1000 + Math.floor(random() * 15_000);
    return { answer: await send('POST', '/kfunnel/lead', { origin, ...json }, `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`), allowed: [400, 413] };
  },
  'wrong content type': async () => ({
    answer: await send('POST', `/kfunnel/${pick(ROUTES)}`, { origin, 'content-type': pick(['application/xml', 'multipart/form-data; boundary=x', 'image/png', 'application/jsonx', 'text/html']) }, '{"pageType":"presellPage"}'),
    allowed: [415, 400],
  }),
  'invalid UTF-8': async () => ({ answer: await send('POST', '/kfunnel/click', { origin, ...json }, Buffer.concat([Buffer.from('{"pageType":"'), bytes(8).map((b) => b | 0x80), Buffer.from('"}')])), allowed: [400, 200] }),
  'repeated headers': async () => ({
    answer: await sendRaw(`POST /kfunnel/click HTTP/1.1\r\nHost: ${new URL(origin).host}\r\nOrigin: ${origin}\r\nContent-Type: application/json\r\nContent-Type: text/xml\r\nIdempotency-Key: aaaaaaaaaa\r\nIdempotency-Key: bbbbbbbbbb\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`),
    allowed: [400, 403, 415, 200],
  }),
  'absurd headers': async () => {
    const many = Array.from({ length: 500 + Math.floor(random() * 3000) }, (_, i) => `X-H${i}: ${'v'.repeat(20)}`).join('\r\n');
    const giant = `X-Giant: ${'g'.repeat(20_000 + Math.floor(random() * 60_000))}`;
    const bad = `X-Bad: a\u0000b`;
    // Within Node's header limits a GET reaches the route, which takes only POST.
    return { answer: await sendRaw(`GET /kfunnel/click HTTP/1.1\r\nHost: x\r\n${pick([many, giant, bad])}\r\nConnection: close\r\n\r\n`), allowed: [400, 405, 431] };
  },
  'duplicate Content-Length (request smuggling)': async () => ({
    answer: await sendRaw(`POST /kfunnel/click HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{}`),
    allowed: [400],
  }),
  'garbage request line': async () => ({ answer: await sendRaw(Buffer.concat([bytes(1 + Math.floor(random() * 300)), Buffer.from('\r\n\r\n')])), allowed: [400, 0] }),
  'path tricks': async () => {
    const path = pick([
      '/kfunnel/../kfunnel/click', '/kfunnel//click', '/kfunnel/click/../order', '/%2e%2e/kfunnel/click', '/kfunnel/%63lick', '/KFUNNEL/click', '/kfunnel/CLICK',
      '/kfunnel/return/s/..%2f..%2fetc%2fpasswd', '/kfunnel/return/e/x.y', '/kfunnel/return/s/', '/kfunnel?x=1', '/kfunnel', '/kfunnel/', '/kfunnel/click%00',
      '/kfunnel/click?loginId=x&password=y', '/kfunnel/order#frag', '/kfunnel/' + 'a'.repeat(5000), '/kfunnel/return/s/' + 'A'.repeat(9000) + '.x',
    ]);
    return { answer: await send(pick(['POST', 'GET']), path, { origin, ...json }, '{"pageType":"presellPage"}'), allowed: [200, 303, 400, 403, 404, 405] };
  },
  // The proxy's own origin is the host it is reached at: a client that is not a browser can name any
  // host and a matching Origin (the origin check stops browsers on other sites, not such clients).
  'absolute-form request target': async () => ({ answer: await sendRaw(`POST http://evil.test/kfunnel/click HTTP/1.1\r\nHost: evil.test\r\nOrigin: http://evil.test\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`), allowed: [200, 400, 403] }),
  'parameter pollution': async () => ({
    answer: await send('POST', '/kfunnel/lead', { origin, 'content-type': 'application/x-www-form-urlencoded' }, pick(['campaignId=3&campaignId=4', 'orderId=A&orderId=B', 'firstName=a&firstName=b&firstName=c', 'campaignId[]=3&campaignId[]=4', 'a=1&a=1'])),
    allowed: [400, 200],
  }),
  'smuggled credentials and prices': async () => {
    const name = pick(SMUGGLED_NAMES);
    const route = pick(ROUTES);
    const base: Record<string, string> = { pageType: 'presellPage', orderId: 'ABCDE12345', productId: '10', product1_id: '1' };
    const asForm = random() < 0.5;
    const body = asForm ? `${new URLSearchParams(base)}&${encodeURIComponent(name)}=0.01` : JSON.stringify({ ...base, [name]: '0.01' });
    const headers = { origin, 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json', 'idempotency-key': `smuggle-${Math.floor(random() * 1e9)}` };
    return { answer: await send('POST', `/kfunnel/${route}`, headers, body), allowed: [200, 400, 403] };
  },
  'smuggling inside values': async () => ({
    answer: await send('POST', '/kfunnel/click', { origin, ...json }, JSON.stringify({ pageType: 'presellPage&loginId=evil&password=evil', requestUri: 'https://x.test/?a=1&product1_price=0.01&loginId=evil', httpReferer: '\r\nX-Injected: 1' })),
    allowed: [200],
  }),
  'other methods': async () => ({ answer: await send(pick(['PUT', 'DELETE', 'PATCH', 'TRACE', 'OPTIONS', 'HEAD']), `/kfunnel/${pick(ROUTES)}`, { origin: pick([origin, 'https://evil.test']) }), allowed: [204, 403, 405] }),
  'absurd fields': async () => {
    const kind = pick(['many', 'long name', 'long value']);
    const body =
      kind === 'many'
        ? JSON.stringify(Object.fromEntries(Array.from({ length: 250 + Math.floor(random() * 500) }, (_, i) => [`custom_order_f${i}`, 'x'])))
        : kind === 'long name'
          ? JSON.stringify({ ['n'.repeat(200 + Math.floor(random() * 5000))]: 'x' })
          : JSON.stringify({ firstName: 'v'.repeat(600 + Math.floor(random() * 30_000)) });
    return { answer: await send('POST', '/kfunnel/lead', { origin, ...json }, body), allowed: [400, 413] };
  },
  'Idempotency-Key abuse': async () => {
    const key = pick(['', 'short', 'k'.repeat(500), 'has spaces in it', '../../etc/passwd', 'ключ-ключ-ключ']);
    const body = '{"orderId":"A","product1_id":"1"}';
    // Node's client will not send a non-ASCII header; a raw socket will.
    const answer = /^[\x20-\x7e]*$/.test(key)
      ? await send('POST', '/kfunnel/order', { origin, ...json, 'idempotency-key': key }, body)
      : await sendRaw(Buffer.from(`POST /kfunnel/order HTTP/1.1\r\nHost: ${new URL(origin).host}\r\nOrigin: ${origin}\r\nContent-Type: application/json\r\nIdempotency-Key: ${key}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`));
    return { answer, allowed: [400] };
  },
  'no Origin on a money route': async () => ({ answer: await send('POST', `/kfunnel/${pick(['order', 'upsale', 'paypal'])}`, { ...json, 'idempotency-key': 'no-origin-key-1' }, '{}'), allowed: [403] }),
  'a foreign Origin': async () => ({ answer: await send('POST', `/kfunnel/${pick(ROUTES)}`, { ...json, origin: pick(['https://evil.test', 'null', `${origin}.evil.test`, origin.replace('http', 'https')]) }, '{}'), allowed: [403] }),
};

test('over 5,000 hostile requests: no crash, no 500, every answer in the envelope, nothing smuggled through, memory back to baseline', async () => {
  for (let i = 0; i < 300; i++) await send('POST', '/kfunnel/click', { origin, ...json }, '{"pageType":"presellPage"}');
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const kinds = Object.keys(ATTACKS);
  const seen: Record<string, number> = {};
  let total = 0;
  for (let i = 0; i < 5200; i++) {
    const kind = kinds[i % kinds.length] ?? '';
    const attack = ATTACKS[kind];
    assert.ok(attack, kind);
    const { answer, allowed } = await attack();
    total++;
    seen[kind] = (seen[kind] ?? 0) + 1;
    const where = `${kind} #${seen[kind]}: ${answer.status} ${answer.body.slice(0, 200)}`;
    assert.ok(allowed.includes(answer.status), `unexpected status: ${where}`);
    if (answer.status === 0 || answer.status === 204 || answer.status === 303 || answer.body === '') continue;
    const envelope = JSON.parse(answer.body);
    if (answer.status === 200) assert.equal(envelope.result, 'SUCCESS', where);
    else {
      assert.equal(envelope.result, 'ERROR', where);
      assert.match(envelope.code, /^[a-z_]+$/, where);
      assert.ok(envelope.message.length > 5, where);
    }
    assert.doesNotMatch(answer.body, /node:internal|at \w+ \(|\.ts:\d+|konnektive\.test|abuse-(login|password)/, `internals in ${where}`);
    assert.notEqual(answer.headers['access-control-allow-origin'], '*');
  }
  assert.ok(total >= 5000);
  // What reached "Konnektive": only known parameters, our own credentials, never a price.
  assert.ok(upstream.calls.length > 100);
  for (const call of upstream.calls) {
    for (const name of Object.keys(call.params)) assert.match(name, ALLOWED_UPSTREAM, `forwarded ${name}`);
    assert.equal(call.params.loginId, LOGIN.loginId);
    assert.equal(call.params.password, LOGIN.password);
  }
  // Still serving, and the memory the attack used is given back.
  assert.equal((await send('POST', '/kfunnel/click', { origin, ...json }, '{"pageType":"presellPage"}')).status, 200);
  upstream.calls.length = 0;
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  const growth = (process.memoryUsage().heapUsed - baseline) / 2 ** 20;
  assert.ok(growth < 8, `heap grew ${growth.toFixed(1)} MB`);
});
