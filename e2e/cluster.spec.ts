import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test as base, type Page } from '@playwright/test';
import { api, leadVisitor, ORDER_FIELDS, startCluster, until, type Cluster, type ClusterOptions } from './cluster.js';
import { CARD, CUSTOMER } from './fixtures.js';

/**
 * Several instances behind a load balancer (DESIGN section 9): three `kfunnel serve` processes sharing
 * one redis-server and one sandbox, requests alternating between them. Every charge is counted at the
 * sandbox.
 */
// Three servers, a browser and Redis on two shared cores (seen at a load average of 28): room beyond
// the default 45 s per test. A test that passes does so in 5-35 s on an idle machine.
base.describe.configure({ timeout: 150_000 });

const test = base.extend<{ clusterOptions: ClusterOptions; cluster: Cluster }>({
  clusterOptions: [{}, { option: true }],
  cluster: async ({ clusterOptions }, use) => {
    const cluster = await startCluster(clusterOptions);
    await use(cluster);
    await cluster.close();
  },
});

const sales = (cluster: Cluster, orderId: string) =>
  cluster.state().orders.find((o: any) => o.orderId === orderId)?.transactions.filter((t: any) => t.type === 'SALE' && t.status === 'APPROVED').length ?? 0;

async function fillCheckout(page: Page) {
  for (const [name, value] of Object.entries({ ...CUSTOMER, ...CARD })) {
    const field = page.locator(`form [name="${name}"]`).first();
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
}

const ready = (page: Page) => page.waitForFunction(() => (window as any).kfunnel?.ready === true);

test('the whole demo funnel in Chromium, each page on another instance than the one before', async ({ page, cluster }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${cluster.front.url}/?affId=MULTI&c1=three`);
  await ready(page);
  await page.getByRole('link', { name: 'Check availability' }).click();
  await page.waitForURL('**/lead.html');
  await page.fill('#firstName', CUSTOMER.firstName);
  await page.fill('#lastName', CUSTOMER.lastName);
  await page.fill('#emailAddress', CUSTOMER.emailAddress);
  await page.getByRole('button', { name: 'Continue to checkout' }).click();
  await page.waitForURL('**/checkout.html');
  await fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await page.waitForURL('**/thankyou.html');
  await ready(page);
  await until(() => cluster.calls('confirm').length === 1, 'the thank-you page confirm');

  const pages = cluster.front.served.filter((s) => s.method === 'GET' && /(\.html|\/)(\?|$)/.test(s.path));
  expect(pages.map((p) => p.path.split('?')[0])).toEqual(['/', '/lead.html', '/checkout.html', '/upsell1.html', '/upsell2.html', '/thankyou.html']);
  for (let i = 1; i < pages.length; i++) expect(pages[i].instance, `${pages[i].path} on another instance`).not.toBe(pages[i - 1].instance);
  // The calls that need shared state (grants, keys, paid orders) were spread over the instances.
  const money = cluster.front.served.filter((s) => /^\/kfunnel\/(lead|order|upsale|confirm)$/.test(s.path));
  expect(new Set(money.map((s) => s.instance)).size).toBe(3);

  const calls = cluster.calls();
  expect(calls.filter((c) => !['click', 'lead'].includes(c.endpoint)).map((c) => c.endpoint)).toEqual(['order', 'upsale', 'upsale', 'confirm']);
  expect(calls.every((c) => c.result === 'SUCCESS')).toBe(true);
  const [order] = cluster.state().orders;
  expect(order).toMatchObject({ orderStatus: 'COMPLETE', confirmations: 1 });
  expect(order.items.map((i: any) => i.productId)).toEqual([2, 10, 20]);
  expect(order.transactions.map((t: any) => `${t.type} ${t.status}`)).toEqual(['SALE APPROVED', 'UPSALE APPROVED', 'UPSALE APPROVED']);
  await expect(page.locator('[data-kf-text=orderId]')).toHaveText(order.orderId);
  expect(errors).toEqual([]);
});

test('20 concurrent submits of one order, split across the instances: one charge', async ({ cluster }) => {
  const { visitor, sessionId, orderId } = await leadVisitor(cluster, [0, 1]);
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => api(cluster, i % 3, 'order', { campaignId: '3', sessionId, orderId, ...ORDER_FIELDS }, { visitor, key: 'order-attempt-0001' })),
  );
  // Each answer is the one charge's answer: replayed, or (for waits past the proxy's timeout) a retryable 504/409.
  const ok = answers.filter((a) => a.status === 200);
  expect(ok.length).toBeGreaterThan(0);
  for (const answer of ok) expect(answer.body).toMatchObject({ result: 'SUCCESS', message: { orderId, orderStatus: 'COMPLETE' } });
  for (const answer of answers.filter((a) => a.status !== 200)) expect([409, 504]).toContain(answer.status);
  // One answer, and only the one that made the sale reports it (replays carry no purchase).
  expect(new Set(ok.map((a) => JSON.stringify({ ...a.body, purchase: undefined }))).size).toBe(1);
  expect(ok.filter((a) => a.body.purchase).length).toBeLessThanOrEqual(1);
  for (const answer of ok.filter((a) => a.body.purchase)) expect(answer.body.purchase.transaction_id).toBe(orderId);
  expect(cluster.calls('order')).toHaveLength(1);
  expect(sales(cluster, orderId)).toBe(1);
  // Every instance served some of them.
  expect(new Set(answers.map((_, i) => i % 3)).size).toBe(3);
});

test('a lost answer on instance A, retries on B and C at once: settled, one charge', async ({ cluster }) => {
  const { visitor, sessionId, orderId } = await leadVisitor(cluster, [0, 0]);
  const order = { campaignId: '3', sessionId, orderId, ...ORDER_FIELDS };
  // Processed, then the connection is reset mid-answer: A cannot know whether it charged.
  cluster.sandbox.sandbox.faults.set([{ mode: 'reset', endpoints: ['order'], times: 1 }]);
  const lost = await api(cluster, 0, 'order', order, { visitor, key: 'lost-answer-0001' });
  expect(lost.status).toBe(502);
  expect(sales(cluster, orderId)).toBe(1);
  const [b, c] = await Promise.all([
    api(cluster, 1, 'order', order, { visitor, key: 'lost-answer-0001' }),
    api(cluster, 2, 'order', order, { visitor, key: 'lost-answer-0001' }),
  ]);
  for (const retry of [b, c]) {
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ result: 'SUCCESS', message: { orderId, orderStatus: 'COMPLETE' } });
  }
  expect(cluster.calls('order')).toHaveLength(1);
  // One of them asked Konnektive (Query Order); the other waited for that outcome.
  expect(cluster.calls('query').length).toBeGreaterThanOrEqual(1);
  expect(sales(cluster, orderId)).toBe(1);
});

test('an instance killed (SIGKILL) with the order in flight: the retry on another instance settles it, one charge, the buyer reaches the upsell', async ({ page, cluster }) => {
  let pinned = 0;
  cluster.front.route = (req) => (req.url === '/kfunnel/order' ? pinned : undefined);
  await page.goto(`${cluster.front.url}/checkout.html`);
  await ready(page);
  await fillCheckout(page);
  await until(() => cluster.calls('lead').length > 0, 'the partial lead');
  // Konnektive takes the order, then is slow to answer: the instance dies while it waits.
  cluster.sandbox.sandbox.faults.set([{ mode: 'timeout', endpoints: ['order'], delayMs: 30_000, times: 1 }]);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await until(() => cluster.calls('order').length === 1, 'the order at the sandbox');
  await cluster.instances[0].kill('SIGKILL');
  pinned = 1;
  await expect(page.locator('[data-kf-errors]')).not.toBeEmpty();
  for (let attempt = 0; attempt < 4 && /checkout\.html/.test(page.url()); attempt++) {
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await page.waitForURL('**/upsell1.html', { timeout: 8000 }).catch(() => {});
  }
  await expect(page).toHaveURL(/upsell1\.html$/);
  const [order] = cluster.state().orders;
  expect(order.orderStatus).toBe('COMPLETE');
  expect(order.transactions.map((t: any) => `${t.type} ${t.status}`), 'charged exactly once').toEqual(['SALE APPROVED']);
  expect(cluster.calls('order')).toHaveLength(1);
  const orders = cluster.front.served.filter((s) => s.path === '/kfunnel/order').map((s) => s.instance);
  expect(orders[0]).toBe(0);
  expect(orders.slice(1).every((i) => i === 1)).toBe(true);
});

test.describe('Redis restarted mid-run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kfunnel-redis-'));
  test.afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Production Redis persists (append-only file): the records that stop a double charge survive a restart.
  test.use({ clusterOptions: { redisArgs: ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir] } });

  test('503 store_unavailable while it is down (nothing forwarded), recovery by itself, no double charge', async ({ cluster }) => {
    const v1 = await leadVisitor(cluster, [0, 1]);
    const v2 = await leadVisitor(cluster, [1, 2]);
    const v3 = await leadVisitor(cluster, [2, 0]);
    const order = (v: typeof v1) => ({ campaignId: '3', sessionId: v.sessionId, orderId: v.orderId, ...ORDER_FIELDS });
    expect((await api(cluster, 0, 'order', order(v1), { visitor: v1.visitor, key: 'restart-v1-0001' })).body.result).toBe('SUCCESS');

    // v3's order is at Konnektive (slow to answer) when Redis goes away.
    cluster.sandbox.sandbox.faults.set([{ mode: 'timeout', endpoints: ['order'], delayMs: 1000, times: 1 }]);
    const inFlight = api(cluster, 0, 'order', order(v3), { visitor: v3.visitor, key: 'restart-v3-0001' });
    await until(() => cluster.calls('order').length === 2, "v3's order at the sandbox");
    await cluster.redis.stop();
    for (const instance of cluster.instances) await until(() => instance.stderr.includes('store: redis unavailable'), `instance ${instance.index} noticed`);
    // Its answer could not be recorded: the buyer is told to retry, and nothing more is sent.
    expect((await inFlight).status).toBe(503);

    const ordersBefore = cluster.calls('order').length;
    for (const [target, v, key] of [[1, v1, 'restart-v1-0001'], [2, v2, 'restart-v2-0001'], [1, v3, 'restart-v3-0001']] as const) {
      const started = Date.now();
      const answer = await api(cluster, target, 'order', order(v), { visitor: v.visitor, key });
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ result: 'ERROR', code: 'store_unavailable' });
      expect(answer.headers['retry-after']).toBeDefined();
      expect(Date.now() - started, 'answered fast').toBeLessThan(2500);
    }
    expect(cluster.calls('order').length, 'nothing forwarded without the store').toBe(ordersBefore);
    // Clicks do not need the store.
    expect((await api(cluster, 2, 'click', { pageType: 'presellPage', campaignId: '3' })).status).toBe(200);

    await cluster.redis.start();
    for (const instance of cluster.instances) await until(() => instance.stderr.includes('store: redis back'), `instance ${instance.index} back`);
    // Each instance said so once per transition.
    for (const instance of cluster.instances) {
      expect(instance.stderr.match(/store: redis unavailable/g)).toHaveLength(1);
      expect(instance.stderr.match(/store: redis back/g)).toHaveLength(1);
    }

    const again = await Promise.all([
      api(cluster, 2, 'order', order(v1), { visitor: v1.visitor, key: 'restart-v1-0001' }),
      api(cluster, 0, 'order', order(v2), { visitor: v2.visitor, key: 'restart-v2-0001' }),
      api(cluster, 1, 'order', order(v3), { visitor: v3.visitor, key: 'restart-v3-0001' }),
    ]);
    for (const [i, answer] of again.entries()) {
      expect(answer.status, `visitor ${i + 1}`).toBe(200);
      expect(answer.body.message.orderStatus).toBe('COMPLETE');
    }
    // v1's paid-order record survived the restart (append-only file): answered from it, not sent again.
    expect(again[0].headers['idempotent-replayed']).toBe('order-complete');
    for (const v of [v1, v2, v3]) expect(sales(cluster, v.orderId), v.orderId).toBe(1);
    expect(cluster.calls('order')).toHaveLength(3);
  });
});

test.describe('shared limits', () => {
  test.use({ clusterOptions: { env: { KFUNNEL_RATE_LIMIT: '12' } } });

  test("a visitor's grants and rate limit are shared: the limit is not multiplied by the instances", async ({ cluster }) => {
    // Fixed one-minute windows: start clear of a window's end, so all requests count in one window.
    if (Date.now() % 60_000 > 55_000) await until(() => Date.now() % 60_000 < 5_000, 'a fresh rate-limit window', 10_000);
    const owner = await leadVisitor(cluster, [0, 1]);
    const stranger = await leadVisitor(cluster, [2, 0]);
    // The lead made on A and C is the visitor's on B; another visitor naming it is refused everywhere.
    const mine = await api(cluster, 1, 'order', { campaignId: '3', sessionId: owner.sessionId, orderId: owner.orderId, ...ORDER_FIELDS }, { visitor: owner.visitor, key: 'grant-owner-0001' });
    expect(mine.body.result).toBe('SUCCESS');
    for (const target of [0, 1, 2]) {
      const theirs = await api(cluster, target, 'upsale', { orderId: owner.orderId, productId: '10' }, { visitor: stranger.visitor, key: `grant-stranger-${target}0001` });
      expect(theirs.status).toBe(403);
      expect(theirs.body.code).toBe('not_your_order');
    }
    // 4 requests so far from this address; 12 per minute in all, whichever instance answers.
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await api(cluster, i % 3, 'click', { pageType: 'presellPage', campaignId: '3' })).status);
    // Used so far: 2 leads x 2 calls, 1 order, 3 refused upsales = 8; 4 more clicks pass.
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(11);
    expect(sales(cluster, owner.orderId)).toBe(1);
  });
});

test.describe('funnel completion', () => {
  // Confirm Order 3 s after the last funnel activity; confirms are slow, so racers overlap.
  test.use({ clusterOptions: { env: { KFUNNEL_CONFIRM_AFTER_MINUTES: '0.05' } } });

  const settled = async (cluster: Cluster, orderId: string) => {
    await until(async () => (await cluster.redis.command('ZSCORE', 'e2e:confirm-due', orderId)) === '$-1', 'off the schedule');
    const slot = await cluster.redis.command('GET', `e2e:confirmed:${orderId}`);
    expect(slot).toContain('"state":"done"');
  };

  test('the buyer leaves on the upsell and the instance that took the order is killed: one Confirm Order, from another instance', async ({ cluster }) => {
    const { visitor, sessionId, orderId } = await leadVisitor(cluster, [0, 0]);
    const paid = await api(cluster, 0, 'order', { campaignId: '3', sessionId, orderId, ...ORDER_FIELDS }, { visitor, key: 'complete-0001' });
    expect(paid.body.result).toBe('SUCCESS');
    expect(await cluster.redis.command('ZSCORE', 'e2e:confirm-due', orderId)).toMatch(/^\$\d+\r\n\d+/);
    await cluster.instances[0].kill('SIGKILL');
    await until(() => cluster.calls('confirm').length > 0, 'the scheduled Confirm Order', 20_000);
    await settled(cluster, orderId);
    expect(cluster.calls('confirm').map((c) => c.orderId)).toEqual([orderId]);
    expect(cluster.state().orders[0].confirmations).toBe(1);
    // Which instance sent it: its log line (written once the confirm's answer came back) names it.
    const sent = (i: (typeof cluster.instances)[number]) => i.log.some((l) => l.method === 'TIMER' && l.route === 'confirm' && l.result === 'SUCCESS');
    await until(() => cluster.instances.some(sent), 'the log line of the scheduled confirm');
    const by = cluster.instances.filter(sent);
    expect(by.map((i) => i.index)).toHaveLength(1);
    expect(by[0].index).not.toBe(0);
    // The thank-you page, opened later, gets that confirmation's answer; nothing more reaches Konnektive.
    const late = await api(cluster, 2, 'confirm', { orderId }, { visitor, key: `confirm-${orderId}` });
    expect(late.status).toBe(200);
    expect(late.body).toMatchObject({ result: 'SUCCESS', message: { orderId } });
    expect(cluster.calls('confirm')).toHaveLength(1);
  });

  test('thank-you confirms on every instance racing the schedule: still one Confirm Order per order', async ({ cluster }) => {
    cluster.sandbox.sandbox.faults.set([{ mode: 'timeout', endpoints: ['confirm'], delayMs: 600 }]);
    const buyers = await Promise.all([0, 1, 2].map((i) => leadVisitor(cluster, [i, (i + 1) % 3])));
    for (const [i, b] of buyers.entries()) {
      const paid = await api(cluster, i, 'order', { campaignId: '3', sessionId: b.sessionId, orderId: b.orderId, ...ORDER_FIELDS }, { visitor: b.visitor, key: `race-${i}-0001` });
      expect(paid.body.result).toBe('SUCCESS');
    }
    await Promise.all(
      buyers.map(async (b, i) => {
        // Wait until this order is due, then its thank-you page confirms from all three instances at once,
        // while every instance's timer is claiming it.
        // (Already claimed on a slow machine: then the race is with a confirm in progress, at once.)
        const score = (await cluster.redis.command('ZSCORE', 'e2e:confirm-due', b.orderId)).split('\r\n')[1];
        const due = score === undefined ? 0 : Number(score);
        await until(() => Date.now() >= due - 50 * i, 'due');
        const answers = await Promise.all([0, 1, 2].map((t) => api(cluster, t, 'confirm', { orderId: b.orderId }, { visitor: b.visitor, key: `confirm-${b.orderId}` })));
        // Each is the one confirmation's answer, or (still waiting for it when the proxy stops waiting) a
        // retryable 409 / 504; what counts is what reaches the sandbox.
        for (const answer of answers) {
          expect([200, 409, 504]).toContain(answer.status);
          if (answer.status === 200) expect(answer.body).toMatchObject({ result: 'SUCCESS', message: { orderId: b.orderId } });
        }
        await settled(cluster, b.orderId);
      }),
    );
    for (const b of buyers) expect(cluster.calls('confirm').filter((c) => c.orderId === b.orderId), b.orderId).toHaveLength(1);
    expect(cluster.state().orders.map((o: any) => o.confirmations)).toEqual([1, 1, 1]);
  });
});
