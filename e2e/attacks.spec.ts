import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';

/** What an attacker's own page can send: a fetch from its own tab, with its own cookies. */
async function post(page: Page, route: string, body: Record<string, string>, key?: string) {
  return page.evaluate(
    async ({ route, body, key }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key) headers['idempotency-key'] = key;
      const response = await fetch(`/kfunnel/${route}`, { method: 'POST', headers, body: JSON.stringify(body) });
      return { status: response.status, text: await response.text() };
    },
    { route, body, key },
  );
}

test("two browsers: the attacker holds the buyer's orderId and sessionId and gets no data, no charge, and cannot stop the confirmation", async ({ page, funnel, browser }) => {
  await funnel.payOnCheckout(page);
  const { orderId, sessionId } = await page.evaluate(() => ({ orderId: (window as any).kfunnel.orderId(), sessionId: (window as any).kfunnel.sessionId() }));
  expect(orderId).toMatch(/^[0-9A-F]{10}$/);

  // The attacker: another browser, its own visit to the same shop, the buyer's ids in hand.
  const attackerContext = await browser.newContext();
  const attacker = await attackerContext.newPage();
  await attacker.goto(`${funnel.base}/?sessionId=${sessionId}`);
  await funnel.ready(attacker);
  const before = (await funnel.calls()).length;
  const attempts = [
    ['order', { orderId, sessionId, campaignId: '3', product1_id: '2' }, 'attacker-order-001'],
    ['upsale', { orderId, sessionId, productId: '10', productQty: '3' }, 'attacker-upsale-01'],
    ['lead', { orderId, sessionId, emailAddress: 'eve@example.com' }, undefined],
    ['confirm', { orderId }, `confirm-${orderId}`],
  ] as const;
  for (const [route, body, key] of attempts) {
    const answer = await post(attacker, route, body, key);
    expect(answer.status, `${route}: ${answer.text}`).toBe(403);
    expect(JSON.parse(answer.text).code).toBe('not_your_order');
    for (const secret of ['Lovelace', 'ada@example.com', '1 Analytical Way', '1111']) expect(answer.text).not.toContain(secret);
  }
  expect(await funnel.calls(), 'nothing the attacker sent reached Konnektive').toHaveLength(before);
  await attackerContext.close();

  // The buyer's funnel goes on: the upsell, then the thank-you page's Confirm Order, exactly once.
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await page.getByRole('link', { name: /no thanks/i }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);
  await page.reload();
  await funnel.ready(page);
  await page.goBack();
  await funnel.ready(page);
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
  expect(orders[0].transactions.filter((t: any) => t.status === 'APPROVED')).toHaveLength(2);
  expect(orders[0].confirmations).toBe(1);
});

test('control: a buyer handed off to another domain with kfunnel.link() takes the upsell there; the same link in a stranger\'s browser cannot', async ({ page, funnel, browser }) => {
  await funnel.payOnCheckout(page);
  const link: string = await page.evaluate((url) => (window as any).kfunnel.link(url), `${funnel.otherHost}/upsell1.html`);
  const orderId = await page.evaluate(() => (window as any).kfunnel.orderId());

  // The buyer follows the link: on the other host the proxy hands over the order, and the upsell goes through.
  await page.goto(link);
  await funnel.ready(page);
  expect(page.url()).toBe(`${funnel.otherHost}/upsell1.html`);
  expect(await page.evaluate(() => (window as any).kfunnel.orderId())).toBe(orderId);
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  expect(page.url().startsWith(funnel.otherHost)).toBe(true);

  // The same link, forwarded to someone else, is spent: their browser holds nothing.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto(link);
  await funnel.ready(stranger);
  const answer = await post(stranger, 'upsale', { orderId, productId: '20' }, 'stranger-upsale-01');
  expect(answer.status).toBe(403);
  await strangerContext.close();

  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
});
