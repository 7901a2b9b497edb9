/**
 * examples/cloudflare run for real: workerd (through miniflare) on a loopback port serves the demo
 * landers from static assets and /kfunnel/* through the Worker, with proxy state in Durable Objects
 * and the kfunnel sandbox as Konnektive. Two instances of the Worker run side by side (two isolates
 * sharing only the Durable Objects), as Cloudflare runs many.
 */
import { CARD, CUSTOMER, E2E_LOGIN, E2E_PASSWORD, expect, fillCheckout, PROXY_TIMEOUT_MS, ready, test as base } from './fixtures.js';
import { startCloudflareExample, type CloudflareExample } from './helpers/cloudflare.js';

const test = base.extend<{ cf: CloudflareExample }, { example: CloudflareExample }>({
  example: [
    async ({}, use) => {
      const example = await startCloudflareExample({
        loginId: E2E_LOGIN,
        password: E2E_PASSWORD,
        instances: 2,
        vars: { KFUNNEL_RATE_LIMIT: '0', KFUNNEL_TIMEOUT_MS: String(PROXY_TIMEOUT_MS), KFUNNEL_MONEY_TIMEOUT_MS: String(PROXY_TIMEOUT_MS) },
      });
      await use(example);
      await example.close();
    },
    { scope: 'worker' },
  ],
  cf: async ({ example }, use) => {
    example.sandbox.sandbox.reset();
    await use(example);
    // The Worker's own log (the proxy's lines among it) never carries a credential.
    for (const secret of [E2E_LOGIN, E2E_PASSWORD]) expect(example.output.join('\n')).not.toContain(secret);
  },
});

// One workerd for the file: its tests share it one after another, the sandbox reset in between.
test.describe.configure({ mode: 'serial' });

/** Workers static assets serve /lead.html as /lead (a 307 first); either is the page. */
const at = (name: string) => new RegExp(`/${name}(\\.html)?$`);

test('the demo funnel in Chromium on the Worker: landers from static assets, every call through /kfunnel/*', async ({ page, cf }) => {
  const landing = `${cf.url}/?affId=CF1&c1=edge`;
  await page.goto(landing);
  await ready(page);
  await page.getByRole('link', { name: 'Check availability' }).click();
  await page.waitForURL(at('lead'));
  await page.fill('#firstName', CUSTOMER.firstName);
  await page.fill('#lastName', CUSTOMER.lastName);
  await page.fill('#emailAddress', CUSTOMER.emailAddress);
  await page.getByRole('button', { name: 'Continue to checkout' }).click();
  await page.waitForURL(at('checkout'));
  await fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL(at('upsell1'));
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL(at('upsell2'));
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await page.waitForURL(at('thankyou'));
  await ready(page);

  const state = cf.sandbox.sandbox.state();
  expect(state.sessions).toHaveLength(1);
  const [session] = state.sessions;
  expect(session.clicks.map((c: any) => c.pageType)).toEqual(['presellPage', 'leadPage', 'checkoutPage', 'upsellPage1', 'upsellPage2', 'thankyouPage']);
  expect(session.clicks[0].requestUri).toBe(landing);
  // The visitor's address as Cloudflare reports it (CF-Connecting-IP), not the Worker's own.
  expect(session.clicks[0].ipAddress).toBe('127.0.0.1');
  expect(session.affVals).toEqual({ affId: 'CF1', c1: 'edge' });
  const calls = [...state.calls].reverse();
  expect(calls.filter((c: any) => !['click', 'lead'].includes(c.endpoint)).map((c: any) => c.endpoint)).toEqual(['order', 'upsale', 'upsale', 'confirm']);
  const [order] = state.orders;
  expect(order).toMatchObject({ orderStatus: 'COMPLETE', sessionId: session.sessionId, confirmations: 1 });
  expect(order.items.map((i: any) => i.productId)).toEqual([2, 10, 20]);
  await expect(page.locator('[data-kf-text=orderId]')).toHaveText(order.orderId);
  await expect(page.locator('h1')).toHaveText('Thank you, Ada!');
  // The proxy's log lines reach the Worker's console (what `wrangler tail` shows).
  expect(cf.output.some((line) => line.includes('"route":"order"') && line.includes('"status":200'))).toBe(true);

  // The visitor cookie the Worker set is HttpOnly: page scripts never see it.
  const visitor = (await page.context().cookies()).find((c) => c.name === 'kf_v');
  expect(visitor).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  expect(await page.evaluate(() => document.cookie)).not.toContain('kf_v');
});

/** A visitor as the script is one: a first click gives the session and the HttpOnly visitor cookie. */
async function visit(cf: CloudflareExample) {
  const response = await cf.fetch(0, '/kfunnel/click', {
    method: 'POST',
    headers: { origin: cf.url, 'content-type': 'application/json' },
    body: JSON.stringify({ campaignId: '3', pageType: 'checkoutPage', requestUri: `${cf.url}/checkout.html` }),
  });
  const click = await response.json();
  expect(click.result).toBe('SUCCESS');
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith('kf_v='));
  expect(cookie).toBeDefined();
  return { sessionId: click.message.sessionId as string, cookie: cookie! };
}

/** One order attempt, as the script resends it: same body, same Idempotency-Key, same visitor. */
function submitOrder(cf: CloudflareExample, instance: number, visitor: { sessionId: string; cookie: string }, key: string) {
  return cf.fetch(instance, '/kfunnel/order', {
    method: 'POST',
    headers: { origin: cf.url, 'content-type': 'application/json', cookie: visitor.cookie, 'idempotency-key': key },
    body: JSON.stringify({
      campaignId: '3',
      sessionId: visitor.sessionId,
      ...CUSTOMER,
      country: 'US',
      billShipSame: '1',
      paySource: 'CREDITCARD',
      ...CARD,
      cardNumber: CARD.cardNumber.replace(/ /g, ''),
      product1_id: '2',
      product1_qty: '1',
    }),
  });
}

/** What Konnektive (the sandbox) saw, from its /_sandbox/state. */
async function charges(cf: CloudflareExample) {
  const { orders, calls } = await (await fetch(`${cf.sandbox.url}/_sandbox/state`)).json();
  return {
    orders,
    orderCalls: calls.filter((c: any) => c.endpoint === 'order'),
    queries: calls.filter((c: any) => c.endpoint === 'query'),
    transactions: orders.flatMap((o: any) => o.transactions),
  };
}

test('20 concurrent submits of one order, split across two Worker instances: one charge', async ({ cf }) => {
  const visitor = await visit(cf);
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => submitOrder(cf, i % 2, visitor, 'cf-concurrent-0001')));
  const bodies = await Promise.all(answers.map((r) => r.json()));
  expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
  expect(bodies.every((b) => b.result === 'SUCCESS' && b.message.orderStatus === 'COMPLETE')).toBe(true);
  expect(new Set(bodies.map((b) => b.message.orderId)).size).toBe(1);
  // Every answer but the one that went to Konnektive is the recorded first answer.
  expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(19);

  const { orders, orderCalls, transactions } = await charges(cf);
  expect(orders).toHaveLength(1);
  expect(orderCalls).toHaveLength(1);
  expect(transactions.map((t: any) => `${t.type} ${t.status}`)).toEqual(['SALE APPROVED']);
});

test('an answer lost after the charge, then retries on both instances at once: settled by Query Order, one charge', async ({ cf }) => {
  const visitor = await visit(cf);
  cf.sandbox.sandbox.faults.set([{ mode: 'reset', endpoints: ['order'], times: 1 }]);
  const lost = await submitOrder(cf, 0, visitor, 'cf-lost-answer-01');
  expect(lost.status).toBe(502);
  // workerd's fetch reports the cut answer as unreadable; either way nobody knows whether it was charged.
  expect(['upstream_unreachable', 'upstream_bad_response']).toContain((await lost.json()).code);
  expect((await charges(cf)).transactions).toHaveLength(1); // Konnektive did charge: only the answer was lost.

  const retries = await Promise.all(Array.from({ length: 6 }, (_, i) => submitOrder(cf, i % 2, visitor, 'cf-lost-answer-01')));
  const bodies = await Promise.all(retries.map((r) => r.json()));
  expect(retries.map((r) => r.status)).toEqual(Array(6).fill(200));
  expect(bodies.every((b) => b.result === 'SUCCESS' && b.message.orderStatus === 'COMPLETE')).toBe(true);

  const { orderCalls, transactions, queries } = await charges(cf);
  expect(orderCalls).toHaveLength(1);
  expect(transactions).toHaveLength(1);
  expect(queries.length, 'one caller settled the lost answer with Query Order').toBe(1);
});

test('a charge answered after the browser stopped waiting: the Worker keeps it running (waitUntil), the retry gets its answer, one charge', async ({ cf }) => {
  const visitor = await visit(cf);
  // Konnektive charges, but answers only after the proxy's money timeout has sent the browser a 504.
  const slowMs = PROXY_TIMEOUT_MS + 1500;
  cf.sandbox.sandbox.faults.set([{ mode: 'timeout', endpoints: ['order'], times: 1, delayMs: slowMs }]);
  const started = Date.now();
  const first = await submitOrder(cf, 0, visitor, 'cf-slow-answer-01');
  expect(first.status).toBe(504);
  await new Promise((resolve) => setTimeout(resolve, started + slowMs + 500 - Date.now()));

  const retry = await submitOrder(cf, 0, visitor, 'cf-slow-answer-01');
  expect(retry.status).toBe(200);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect((await retry.json()).message.orderStatus).toBe('COMPLETE');
  const { orderCalls, transactions, queries } = await charges(cf);
  expect(orderCalls).toHaveLength(1);
  expect(transactions).toHaveLength(1);
  expect(queries, 'the late answer itself was recorded: nothing needed settling').toHaveLength(0);
});

test('an order named by another visitor is refused at the Worker before it reaches Konnektive', async ({ cf }) => {
  const owner = await visit(cf);
  const paid = await (await submitOrder(cf, 0, owner, 'cf-owner-key-0001')).json();
  const stranger = await visit(cf);
  const response = await cf.fetch(1, '/kfunnel/upsale', {
    method: 'POST',
    headers: { origin: cf.url, 'content-type': 'application/json', cookie: stranger.cookie, 'idempotency-key': 'cf-stranger-0001' },
    body: JSON.stringify({ orderId: paid.message.orderId, productId: '10', productQty: '1' }),
  });
  expect(response.status).toBe(403);
  expect((await response.json()).code).toBe('not_your_order');
  expect(cf.sandbox.sandbox.state().calls.filter((c: any) => c.endpoint === 'upsale')).toHaveLength(0);
});

test('a buyer who leaves on the upsell page: the Durable Object alarm sends Confirm Order once, and the thank-you confirm after it sends nothing', async () => {
  // Its own Worker, with a three-second completion delay (KFUNNEL_CONFIRM_AFTER_MINUTES takes fractions).
  const quick = await startCloudflareExample({
    loginId: E2E_LOGIN,
    password: E2E_PASSWORD,
    vars: { KFUNNEL_RATE_LIMIT: '0', KFUNNEL_CONFIRM_AFTER_MINUTES: '0.05' },
  });
  try {
    const visitor = await visit(quick);
    const paid = await (await submitOrder(quick, 0, visitor, 'cf-completion-01')).json();
    expect(paid.message.orderStatus).toBe('COMPLETE');
    const orderId = paid.message.orderId;
    const confirms = async () => (await (await fetch(`${quick.sandbox.url}/_sandbox/state`)).json()).calls.filter((c: any) => c.endpoint === 'confirm');
    expect(await confirms()).toHaveLength(0);
    // Nobody calls /kfunnel/confirm: the tab was closed. The alarm fires three seconds after the order.
    await expect.poll(async () => (await confirms()).length, { timeout: 10_000, intervals: [250] }).toBe(1);
    expect((await confirms())[0].orderId).toBe(orderId);

    // The buyer comes back to the thank-you page: answered from the recorded confirmation, nothing sent.
    const late = await quick.fetch(0, '/kfunnel/confirm', {
      method: 'POST',
      headers: { origin: quick.url, 'content-type': 'application/json', cookie: visitor.cookie },
      body: JSON.stringify({ orderId }),
    });
    expect((await late.json()).result).toBe('SUCCESS');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(await confirms()).toHaveLength(1);
    const { orders } = await (await fetch(`${quick.sandbox.url}/_sandbox/state`)).json();
    expect(orders[0].confirmations).toBe(1);
  } finally {
    await quick.close();
  }
});
