/**
 * The trust model, attacked as an outsider would, against the real proxy and the real sandbox over
 * loopback (`kfunnel serve` in-process). Every id a page can read (orderId, sessionId, a predictable
 * key) is given to the attacker; what it must never get is data, charges or redirects of another
 * visitor's. Each test asserts at the sandbox: what reached "Konnektive", and what was charged.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createProxyHandler } from '../src/proxy/handler.js';
import { MemoryStore, StoreUnavailableError } from '../src/proxy/store.js';
import { base64url, randomId, sha256, shortHash, Signer } from '../src/proxy/signing.js';
import { signReturn } from '../src/proxy/return-leg.js';
import { startProxyServer } from '../src/server/proxy.js';
import { createSandbox, startSandboxServer } from '../src/sandbox/index.js';
import { startServe } from '../src/server/serve.js';
import { sandboxUpstream } from './helpers/upstream.js';

const LOGIN = { loginId: 'trust-login-4k', password: 'trust-password-8q' };
const CARD = { cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };
const CUSTOMER = { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', phoneNumber: '5125550100', address1: '1 Analytical Way', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };

/** The proxy under attack, as `kfunnel serve` or `kfunnel proxy` runs it, and the sandbox behind it. */
interface Target {
  url: string;
  /** The same server under its other host name: "another domain" for hand-offs. */
  otherUrl: string;
  sandbox: ReturnType<typeof createSandbox>;
  close(): Promise<void>;
}
const PROXY_OPTIONS = { rateLimitPerMinute: 0, timeoutMs: 1500, moneyTimeoutMs: 1500, log: () => {} };
const TARGETS = {
  'kfunnel serve': async () => {
    const serving = await startServe({ port: 0, sandbox: LOGIN, proxy: PROXY_OPTIONS });
    return { url: serving.url, otherUrl: serving.url.replace('localhost', '127.0.0.1'), sandbox: serving.sandbox!.sandbox, close: serving.close };
  },
  'kfunnel proxy': async () => {
    const upstream = await startSandboxServer(LOGIN);
    const proxy = await startProxyServer({ ...LOGIN, ...PROXY_OPTIONS, apiUrl: upstream.url });
    const close = async () => {
      await proxy.close();
      await upstream.close();
    };
    return { url: proxy.url, otherUrl: proxy.url.replace('127.0.0.1', 'localhost'), sandbox: upstream.sandbox, close };
  },
} satisfies Record<string, () => Promise<Target>>;
let server: Target;
const sandbox = () => server.sandbox;
const state = () => sandbox().state();
const approved = (type: 'SALE' | 'UPSALE') => state().orders.flatMap((o: any) => o.transactions).filter((t: any) => t.type === type && t.status === 'APPROVED').length;
const callsTo = (endpoint: string) => state().calls.filter((c: any) => c.endpoint === endpoint).length;


interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** A visitor's browser at the API level: its own cookie jar, its page's Origin. */
class Visitor {
  readonly cookies = new Map<string, string>();
  constructor(readonly origin = server.url) {}

  async post(route: string, body: Record<string, string>, options: { key?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', origin: this.origin, ...options.headers };
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (options.key) headers['idempotency-key'] = options.key;
    const response = await fetch(`${this.origin}/kfunnel/${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';', 1)[0] ?? '';
      this.cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text), text, headers: response.headers };
  }

  /** Click, lead and a paid order, as the demo checkout makes them. */
  async buy(card = CARD.cardNumber): Promise<{ sessionId: string; orderId: string }> {
    const click = await this.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html?affId=A1` });
    const sessionId = click.body.message.sessionId;
    const lead = await this.post('lead', { campaignId: '3', sessionId, ...CUSTOMER });
    const orderId = lead.body.message.orderId;
    const order = await this.post('order', { ...this.orderBody(sessionId, orderId), cardNumber: card }, { key: `buy-${orderId}` });
    assert.ok(order.body.result === 'SUCCESS' || order.body.result === 'MERC_REDIRECT', order.text);
    return { sessionId, orderId };
  }

  orderBody(sessionId: string, orderId?: string): Record<string, string> {
    const body: Record<string, string> = { campaignId: '3', sessionId, ...CUSTOMER, ...CARD, product1_id: '2', salesUrl: `${server.url}/checkout.html`, redirectsTo: `${server.url}/upsell1.html`, errorRedirectsTo: `${server.url}/checkout.html` };
    if (orderId) body.orderId = orderId;
    return body;
  }
}

/** The buyer's data as it would leak: anything of these in an attacker's answer is a failure. */
const BUYER_DATA = [CUSTOMER.emailAddress, CUSTOMER.lastName, CUSTOMER.phoneNumber, CUSTOMER.address1, '1111'];

for (const [name, start] of Object.entries(TARGETS)) {
  describe(`against ${name}`, () => {
    before(async () => {
      server = await start();
    });
    after(() => server.close());
    beforeEach(() => {
      sandbox().reset();
      sandbox().faults.clear();
    });

    describe('trust model: attacks on another visitor', () => {
      test('attack 1: an orderId read off a thank-you page gets no data, with or without a visitor cookie (403 not_your_order)', async () => {
        const buyer = new Visitor();
        const { orderId, sessionId } = await buyer.buy();
        const attackers = [new Visitor(), await freshVisitorWithCookie()];
        const before = state().calls.length;
        for (const attacker of attackers) {
          for (const [route, body] of [
            ['order', { orderId, campaignId: '3', product1_id: '2', ...CARD }],
            ['order', { orderId }],
            ['lead', { orderId, firstName: 'Eve' }],
            ['confirm', { orderId }],
            ['paypal', { orderId, token: 'EC-1', payerId: 'P1' }],
          ] as const) {
            const answer = await attacker.post(route, body, { key: `attack-one-${route}-${attacker.cookies.size}` });
            assert.equal(answer.status, 403, `${route}: ${answer.text}`);
            assert.equal(answer.body.code, 'not_your_order');
            for (const value of [...BUYER_DATA, sessionId]) assert.ok(!answer.text.includes(value), `${route} answer leaks ${value}`);
          }
        }
        assert.equal(state().calls.length, before, 'nothing reached Konnektive');
      });

      test('the visitor cookie is renewed with each page view (so it outlives the order cookie), with the same id', async () => {
        const buyer = new Visitor();
        await buyer.buy();
        const id = buyer.cookies.get('kf_v');
        const click = await buyer.post('click', { pageType: 'upsellPage1', sessionId: buyer.cookies.get('kf_sid')! });
        const renewed = click.headers.getSetCookie().find((c) => c.startsWith('kf_v='));
        assert.match(renewed ?? '', new RegExp(`^kf_v=${id}; Path=/; Max-Age=2592000; SameSite=Lax; HttpOnly$`));
      });

      test("attack 2: the victim's sessionId and orderId charge nothing (no upsale at the sandbox)", async () => {
        const buyer = new Visitor();
        const { orderId, sessionId } = await buyer.buy();
        const attacker = await freshVisitorWithCookie();
        // Adopting the victim's session by a bare ?sessionId= click keeps affiliate credit but grants no order.
        await attacker.post('click', { pageType: 'upsellPage1', sessionId });
        const upsale = await attacker.post('upsale', { orderId, sessionId, productId: '10', productQty: '5' }, { key: 'attacker-upsale-01' });
        assert.equal(upsale.status, 403);
        assert.equal(upsale.body.code, 'not_your_order');
        assert.equal(callsTo('upsale'), 0);
        assert.equal(approved('UPSALE'), 0);
        // The buyer's own upsale still goes through.
        const own = await buyer.post('upsale', { orderId, sessionId, productId: '10' }, { key: 'buyer-upsale-001' });
        assert.equal(own.body.result, 'SUCCESS', own.text);
        assert.equal(approved('UPSALE'), 1);
      });

      test('attack 3: 20 concurrent retries of an upsale whose answer was lost charge exactly once', async () => {
        const buyer = new Visitor();
        const { orderId, sessionId } = await buyer.buy();
        // Konnektive books the upsale, then its answer is lost (the connection resets mid-answer).
        sandbox().faults.set([{ mode: 'reset', endpoints: ['upsale'], times: 1 }]);
        const body = { orderId, sessionId, productId: '10' };
        const first = await buyer.post('upsale', body, { key: 'lost-upsale-key-1' });
        assert.equal(first.status, 502, first.text);
        const retries = await Promise.all(Array.from({ length: 20 }, () => buyer.post('upsale', body, { key: 'lost-upsale-key-1' })));
        assert.ok(retries.every((r) => r.status === 200 && r.body.result === 'SUCCESS'), retries.map((r) => r.status).join(','));
        assert.equal(approved('UPSALE'), 1, 'one charge');
        assert.equal(callsTo('upsale'), 1, 'Import Upsale reached Konnektive once');
      });

      test("attack 4: forged return data on the attacker's own return link does not mark the victim's order paid", async () => {
        const buyer = new Visitor();
        const click = await buyer.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html` });
        const victimLead = await buyer.post('lead', { campaignId: '3', sessionId: click.body.message.sessionId, ...CUSTOMER });
        const victimOrderId = victimLead.body.message.orderId;
        // The attacker starts its own 3-D Secure payment to get a valid return link, and abandons it.
        const attacker = new Visitor();
        const attackerClick = await attacker.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html` });
        const merc = await attacker.post('order', { ...attacker.orderBody(attackerClick.body.message.sessionId), cardNumber: '4000000000003220', emailAddress: 'eve@example.com' }, { key: 'attacker-3ds-0001' });
        assert.equal(merc.body.result, 'MERC_REDIRECT', merc.text);
        const link = returnLinkOf(lastPendingCharge());
        const forged = JSON.stringify({ orderId: victimOrderId, orderStatus: 'COMPLETE', totalAmount: 0 });
        const back = await fetch(link, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ orderData: forged }) });
        assert.equal(back.status, 303);
        // The real buyer now pays: Konnektive charges, nobody is told "paid" for nothing.
        const order = await buyer.post('order', buyer.orderBody(click.body.message.sessionId, victimOrderId), { key: 'victim-pays-0001' });
        assert.equal(order.body.message.orderStatus, 'COMPLETE', order.text);
        assert.equal(order.headers.get('idempotent-replayed'), null);
        assert.equal(approved('SALE'), 1);
      });

      test('attack 5: Host, X-Forwarded-Host and absolute-form targets never put another host in return links or Location', async () => {
        const buyer = new Visitor();
        const click = await buyer.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html` });
        const sessionId = click.body.message.sessionId;
        const tricks: Array<[string, Record<string, string>, string]> = [
          ['Host', { host: 'evil.test' }, `/kfunnel/order`],
          ['X-Forwarded-Host', { 'x-forwarded-host': 'evil.test', 'x-forwarded-proto': 'https' }, `/kfunnel/order`],
          ['absolute-form target', { host: 'evil.test' }, `http://evil.test/kfunnel/order`],
        ];
        for (const [name, headers, target] of tricks) {
          const answer = await rawPost(target, { ...headers, origin: 'http://evil.test', cookie: cookieHeader(buyer) }, { ...buyer.orderBody(sessionId), cardNumber: '4000000000003220' }, `host-trick-${name.length}`);
          assert.equal(answer.status, 403, `${name}: ${answer.text}`);
          assert.match(answer.body.code, /^(host_not_allowed|origin_not_allowed)$/);
        }
        // The honest request through the same server: its return links name only the configured origin.
        const merc = await buyer.post('order', { ...buyer.orderBody(sessionId), cardNumber: '4000000000003220' }, { key: 'honest-3ds-0001', headers: { 'x-forwarded-host': 'evil.test' } });
        assert.equal(merc.body.result, 'MERC_REDIRECT', merc.text);
        assert.equal(callsTo('order'), 1, 'only the honest order reached Konnektive');
        const charge = lastPendingCharge();
        for (const link of [charge.redirectsTo, charge.errorRedirectsTo]) assert.ok(link.startsWith(`${server.url}/kfunnel/return/`), link);
        const location = (await fetch(charge.errorRedirectsTo, { redirect: 'manual', headers: { 'x-forwarded-host': 'evil.test' } })).headers.get('location');
        assert.ok(location?.startsWith(`${server.url}/`), `Location ${location}`);
      });

      test('attack 6: an order sent without orderId whose answer is lost, retried 5 times at once, charges once', async () => {
        const buyer = new Visitor();
        const click = await buyer.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html` });
        sandbox().faults.set([{ mode: 'truncated', endpoints: ['order'], times: 1 }]);
        const body = buyer.orderBody(click.body.message.sessionId);
        const first = await buyer.post('order', body, { key: 'no-order-id-key-1' });
        assert.equal(first.status, 502, first.text);
        const retries = await Promise.all(Array.from({ length: 5 }, () => buyer.post('order', body, { key: 'no-order-id-key-1' })));
        assert.ok(retries.every((r) => r.body.message?.orderStatus === 'COMPLETE'), retries.map((r) => r.text).join('\n'));
        assert.equal(approved('SALE'), 1, 'one charge');
        assert.equal(callsTo('order'), 1);
        assert.equal(state().orders.length, 1, 'the proxy made one lead, and the order is on it');
      });

      test("attack 8: a stranger using the buyer's (predictable) confirm key first does not stop the buyer's Confirm Order", async () => {
        const buyer = new Visitor();
        const { orderId } = await buyer.buy();
        const stranger = await freshVisitorWithCookie();
        const key = `confirm-${orderId}`;
        const preclaim = await stranger.post('confirm', { orderId }, { key });
        assert.equal(preclaim.body.code, 'not_your_order');
        const confirm = await buyer.post('confirm', { orderId }, { key });
        assert.equal(confirm.body.result, 'SUCCESS', confirm.text);
        assert.equal(state().orders[0]?.confirmations, 1);
      });
    });

    describe('trust model: hand-off to another domain', () => {
      test('a signed kf_h grants the session and its orders to the buyer on the other domain, once; a bare sessionId grants nothing', async () => {
        const buyer = new Visitor();
        const { orderId, sessionId } = await buyer.buy();
        // The buyer's next answer on this domain carries a fresh hand-off for its orders.
        const click = await buyer.post('click', { pageType: 'upsellPage1', sessionId });
        const handoff = click.headers.get('kfunnel-handoff');
        assert.ok(handoff, 'a visitor holding an order gets a hand-off');
        const fresh = await new Visitor().post('click', { pageType: 'presellPage', campaignId: '3', requestUri: `${server.url}/` });
        assert.equal(fresh.headers.get('kfunnel-handoff'), null, 'a visitor holding nothing gets none');

        // On the other domain (another host name of the same proxy) the same person is a new visitor.
        const otherOrigin = server.otherUrl;
        const bare = new Visitor(otherOrigin);
        await bare.post('click', { pageType: 'upsellPage1', sessionId });
        assert.equal((await bare.post('upsale', { orderId, sessionId, productId: '10' }, { key: 'bare-session-upsale' })).body.code, 'not_your_order');

        const handed = new Visitor(otherOrigin);
        await handed.post('click', { pageType: 'upsellPage1', sessionId }, { headers: { 'kfunnel-handoff': handoff } });
        assert.equal(handed.cookies.get('kf_oid'), orderId, 'the page on the other domain learns the order it now holds');
        const upsale = await handed.post('upsale', { orderId, sessionId, productId: '10' }, { key: 'handed-off-upsale' });
        assert.equal(upsale.body.result, 'SUCCESS', upsale.text);
        assert.equal(approved('UPSALE'), 1);

        // The same token again (a forwarded link) grants nothing; neither does a forged one.
        for (const token of [handoff, handoff.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))]) {
          const other = new Visitor(otherOrigin);
          await other.post('click', { pageType: 'upsellPage1', sessionId }, { headers: { 'kfunnel-handoff': token } });
          assert.equal((await other.post('confirm', { orderId })).body.code, 'not_your_order');
        }
        assert.equal(state().orders[0]?.confirmations, 0);
      });

    });
  });
}

describe('trust model: the store under pressure (attack 7)', () => {
  test('a flood of fresh keys never evicts an unsettled or paid record; past capacity new keys get 503 store_full', async () => {
    const store = new MemoryStore(60);
    const upstream = createSandbox(LOGIN);
    const handler = createProxyHandler({
      ...LOGIN,
      apiUrl: 'http://sandbox.test',
      fetch: sandboxUpstream(upstream),
      store,
      publicOrigins: ['http://shop.test'],
      rateLimitPerMinute: 0,
      keysPerVisitorPerHour: 1000,
      log: () => {},
    });
    const post = async (route: string, body: Record<string, string>, cookie: string, key: string) => {
      const response = await handler(new Request(`http://shop.test/kfunnel/${route}`, { method: 'POST', headers: { origin: 'http://shop.test', 'content-type': 'application/json', cookie, 'idempotency-key': key }, body: JSON.stringify(body) }));
      return { status: response.status, body: await response.json(), cookies: response.headers.getSetCookie() };
    };
    const click = await post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: 'http://shop.test/' }, '', 'unused-click-key');
    const cookie = click.cookies.find((c) => c.startsWith('kf_v='))?.split(';', 1)[0] ?? '';
    const order = { campaignId: '3', sessionId: click.body.message.sessionId, ...CUSTOMER, ...CARD, product1_id: '2' };
    const paid = await post('order', order, cookie, 'the-paid-attempt');
    assert.equal(paid.body.message.orderStatus, 'COMPLETE');
    // The flood: declined attempts under fresh keys from fresh visitors, until the store refuses.
    const statuses: number[] = [];
    for (let i = 0; i < 200 && !statuses.includes(503); i++) {
      const flood = await post('order', { ...order, sessionId: 'f'.repeat(32), cardNumber: '4000000000000002' }, `kf_v=Flood${String(i).padStart(17, '0')}`, `flood-key-${i}`);
      statuses.push(flood.status);
    }
    const full = await post('order', { ...order, sessionId: 'e'.repeat(32) }, `kf_v=Late${'0'.repeat(18)}`, 'late-key-000001');
    assert.equal(full.status, 503);
    assert.equal(full.body.code, 'store_full');
    assert.ok(store.size <= 60 + 2, `store holds ${store.size}`);
    // The first, paid attempt is still known: its retry is replayed, never charged again.
    const retry = await post('order', order, cookie, 'the-paid-attempt');
    assert.equal(retry.body.message.orderStatus, 'COMPLETE');
    const sales = upstream.state().orders.flatMap((o: any) => o.transactions).filter((t: any) => t.type === 'SALE' && t.status === 'APPROVED');
    assert.equal(sales.length, 1);
  });
});

describe('trust model: cross-site landers', () => {
  test('pages on an allowed origin of another site get the visitor token as a header, not only as a cookie', async () => {
    const landers = 'https://landers.example';
    const other = await startServe({ port: 0, sandbox: LOGIN, proxy: { allowedOrigins: [landers], rateLimitPerMinute: 0, log: () => {} } });
    try {
      const response = await fetch(`${other.url}/kfunnel/click`, { method: 'POST', headers: { origin: landers, 'content-type': 'application/json' }, body: JSON.stringify({ pageType: 'presellPage', campaignId: '3', requestUri: `${landers}/` }) });
      const token = response.headers.get('kfunnel-visitor');
      assert.match(token ?? '', /^[\w-]{22}$/);
      assert.match(response.headers.get('access-control-expose-headers') ?? '', /KFunnel-Visitor/);
      // Sent back as a header, it is the same visitor: the proxy issues no new cookie.
      const again = await fetch(`${other.url}/kfunnel/click`, { method: 'POST', headers: { origin: landers, 'content-type': 'application/json', 'kfunnel-visitor': token! }, body: JSON.stringify({ pageType: 'presellPage', campaignId: '3', requestUri: `${landers}/` }) });
      assert.deepEqual(
        again.headers.getSetCookie().filter((c) => c.startsWith('kf_v=')).map((c) => c.split(';')[0]),
        [`kf_v=${token}`],
        'the page view renews the same visitor, never a new one',
      );
      // Same-origin pages never see it.
      const own = await fetch(`${other.url}/kfunnel/click`, { method: 'POST', headers: { origin: other.url, 'content-type': 'application/json' }, body: JSON.stringify({ pageType: 'presellPage', campaignId: '3', requestUri: `${other.url}/` }) });
      assert.equal(own.headers.get('kfunnel-visitor'), null);
    } finally {
      await other.close();
    }
  });
});

describe('trust model: the store unreachable', () => {
  test('clicks and new leads still go through (no lead is lost); money calls answer 503 store_unavailable and reach nothing', async () => {
    const upstream = createSandbox(LOGIN);
    const down = new MemoryStore();
    for (const name of ['get', 'create', 'put', 'swap', 'deleteIf', 'increment', 'addToSet', 'hasMember', 'members', 'schedule', 'unschedule', 'claimDue'] as const) {
      (down as any)[name] = async () => {
        throw new StoreUnavailableError('redis: connection refused');
      };
    }
    const handler = createProxyHandler({ ...LOGIN, apiUrl: 'http://sandbox.test', fetch: sandboxUpstream(upstream), store: down, publicOrigins: ['http://shop.test'], log: () => {} });
    const post = async (route: string, body: Record<string, string>, key?: string) => {
      const headers: Record<string, string> = { origin: 'http://shop.test', 'content-type': 'application/json', cookie: 'kf_v=StoreDownVisitor000001' };
      if (key) headers['idempotency-key'] = key;
      const response = await handler(new Request(`http://shop.test/kfunnel/${route}`, { method: 'POST', headers, body: JSON.stringify(body) }));
      return { status: response.status, body: await response.json() };
    };
    const click = await post('click', { pageType: 'leadPage', campaignId: '3', requestUri: 'http://shop.test/lead.html' });
    assert.equal(click.body.result, 'SUCCESS');
    const lead = await post('lead', { campaignId: '3', sessionId: click.body.message.sessionId, ...CUSTOMER }, 'lead-key-store-down');
    assert.equal(lead.body.result, 'SUCCESS', JSON.stringify(lead.body));
    const order = await post('order', { campaignId: '3', sessionId: click.body.message.sessionId, ...CUSTOMER, ...CARD, product1_id: '2' }, 'order-key-store-down');
    assert.equal(order.status, 503);
    assert.equal(order.body.code, 'store_unavailable');
    assert.deepEqual(upstream.state().calls.map((c: any) => c.endpoint).reverse(), ['click', 'lead']);
  });
});

describe('trust model: demo secrets and return links', () => {
  before(async () => {
    server = await TARGETS['kfunnel serve']();
  });
  after(() => server.close());

  test('demo mode signs with a random per-process secret: the public constant and another process are refused', async () => {
    const buyer = new Visitor();
    const click = await buyer.post('click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${server.url}/checkout.html` });
    const lead = await buyer.post('lead', { campaignId: '3', sessionId: click.body.message.sessionId, ...CUSTOMER });
    const orderId = lead.body.message.orderId;
    const target = { next: `${server.url}/upsell1.html`, back: `${server.url}/checkout.html`, expires: Math.floor(Date.now() / 1000) + 600, orderId, visitor: 'x', origin: server.url };
    for (const secret of [`kfunnel-return:${LOGIN.loginId}:${LOGIN.password}`, 'kfunnel-return:sandbox:sandbox']) {
      const token = await signReturn(new Signer(secret), target);
      const response = await fetch(`${server.url}/kfunnel/return/s/${token}`, { redirect: 'manual' });
      assert.equal(response.status, 400, secret);
      assert.equal((await response.json()).code, 'bad_return_link');
    }
    const other = await startServe({ port: 0, sandbox: LOGIN, proxy: { log: () => {} } });
    try {
      const merc = await buyer.post('order', { ...buyer.orderBody(click.body.message.sessionId, orderId), cardNumber: '4000000000003220' }, { key: 'demo-secret-3ds-1' });
      assert.equal(merc.body.result, 'MERC_REDIRECT');
      const token = returnLinkOf(lastPendingCharge()).split('/return/s/')[1];
      const elsewhere = await fetch(`${other.url}/kfunnel/return/s/${token}`, { redirect: 'manual' });
      assert.equal(elsewhere.status, 400);
    } finally {
      await other.close();
    }
  });
});

/** A visitor that already has its own proxy cookie (from its own click), like a real attacker's browser. */
async function freshVisitorWithCookie(): Promise<Visitor> {
  const visitor = new Visitor();
  await visitor.post('click', { pageType: 'presellPage', campaignId: '3', requestUri: `${server.url}/` });
  assert.ok(visitor.cookies.has('kf_v'));
  return visitor;
}

const cookieHeader = (visitor: Visitor) => [...visitor.cookies].map(([name, value]) => `${name}=${value}`).join('; ');

/** The 3-D Secure charge the sandbox holds last, with the return links the proxy gave it. */
function lastPendingCharge(): { redirectsTo: string; errorRedirectsTo: string } {
  const charge = [...sandbox().store.pending.values()].at(-1);
  assert.ok(charge, 'a 3-D Secure charge is waiting');
  return charge;
}

/** The signed success link the proxy gave Konnektive. */
const returnLinkOf = (charge: { redirectsTo: string }) => charge.redirectsTo;

/** A POST with headers fetch will not send (Host) or a target it cannot express (absolute-form). */
function rawPost(target: string, headers: Record<string, string>, body: Record<string, string>, key: string): Promise<Answer> {
  const port = new URL(server.url).port;
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: target, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'idempotency-key': key, ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(data), text: data, headers: new Headers() }));
    });
    req.on('error', reject);
    req.end(text);
  });
}

describe('trust model: signing on node:crypto gives WebCrypto\'s bytes', () => {
  const hex = (bytes: ArrayBuffer) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

  test('sha256 and shortHash match WebCrypto, for ASCII and beyond', async () => {
    assert.equal(await sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    for (const text of ['', 'visitor-Ab_9', 'Zürich ✓ 東京 🙂', 'x'.repeat(10_000)]) {
      const web = hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
      assert.equal(await sha256(text), web);
      assert.equal(await shortHash(text), web.slice(0, 16));
    }
  });

  test('tokens are HMAC-SHA256 as WebCrypto signs them; a WebCrypto-signed token verifies, a changed one does not', async () => {
    const secret = 'sïgning-secret';
    const signer = new Signer(secret);
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    const token = await signer.sign('handoff', ['s', ['A1'], 99]);
    const [payload, signature] = token.split('.');
    assert.equal(signature, base64url(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload)))));
    assert.deepEqual(await signer.verify('handoff', token), ['s', ['A1'], 99]);
    assert.equal(await signer.verify('return', token), null);
    assert.equal(await new Signer('other').verify('handoff', token), null);
    assert.equal(await signer.verify('handoff', `${payload}.${signature.slice(0, -2)}`), null);
    assert.equal(await signer.verify('handoff', `${payload}x.${signature}`), null);
  });

  test('random ids from the pool are 22 base64url characters and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => randomId()));
    assert.equal(ids.size, 1000);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
  });
});
