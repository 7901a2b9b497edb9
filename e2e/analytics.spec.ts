import type { Page } from '@playwright/test';
import { DEMO_CAMPAIGN } from '../src/sandbox/campaign.js';
import { CARD, CUSTOMER, expect, test, type Funnel } from './fixtures.js';

/**
 * Purchase analytics end to end: the proxy computes each purchase from the sandbox's real answer; the
 * page's own tags (window.dataLayer, window.fbq) are the only stubs, recorded across page loads.
 */

interface Recorded {
  /** Every dataLayer.push item and fbq call, in order: ['dataLayer', item] or ['fbq', ...args]. */
  tags: unknown[][];
  /** Every kfunnel:purchase detail. */
  purchases: any[];
}

async function record(page: Page): Promise<Recorded> {
  const recorded: Recorded = { tags: [], purchases: [] };
  await page.exposeFunction('recordTag', (call: unknown[]) => void recorded.tags.push(call));
  await page.exposeFunction('recordPurchase', (detail: unknown) => void recorded.purchases.push(detail));
  await page.addInitScript(() => {
    const w = window as any;
    const dataLayer: unknown[] = [];
    dataLayer.push = (...items: unknown[]) => (items.forEach((item) => w.recordTag(['dataLayer', item])), Array.prototype.push.apply(dataLayer, items));
    w.dataLayer = dataLayer;
    w.fbq = (...args: unknown[]) => w.recordTag(['fbq', ...args]);
    document.addEventListener('kfunnel:purchase', (event) => w.recordPurchase((event as CustomEvent).detail));
  });
  return recorded;
}

const product = (id: number) => DEMO_CAMPAIGN.products.find((p) => p.campaignProductId === id)!;
const cents = (n: number) => Math.round(n * 100) / 100;
const item = (id: number, quantity = 1) => ({ item_id: String(id), item_name: product(id).name, price: product(id).price, quantity });

/** The exact tag calls one purchase makes: GA4's clear-then-push, then Meta's Purchase with the transaction id as eventID. */
const tagsFor = (ecommerce: { transaction_id: string; value: number; currency: string; items: ReturnType<typeof item>[] }) => [
  ['dataLayer', { ecommerce: null }],
  ['dataLayer', { event: 'purchase', ecommerce }],
  [
    'fbq',
    'track',
    'Purchase',
    {
      value: ecommerce.value,
      currency: 'USD',
      content_ids: ecommerce.items.map((i) => i.item_id),
      contents: ecommerce.items.map((i) => ({ id: i.item_id, quantity: i.quantity })),
      content_type: 'product',
    },
    { eventID: ecommerce.transaction_id },
  ],
];

async function typeCard(page: Page): Promise<void> {
  await page.fill('#cardNumber', CARD.cardNumber);
  await page.selectOption('#cardMonth', CARD.cardMonth);
  await page.selectOption('#cardYear', CARD.cardYear);
  await page.fill('#cardSecurityCode', CARD.cardSecurityCode);
}

test('the order and each upsale: one kfunnel:purchase, dataLayer and fbq call each, with the sandbox prices; none again on resubmit, reload or back', async ({ page, funnel }) => {
  const { tags, purchases } = await record(page);
  await page.goto(`${funnel.base}/checkout-multi.html`);
  await funnel.ready(page);
  await page.getByLabel('1 bottle').check();
  await page.getByLabel(/rush processing/).check();
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  const orderId = (await funnel.state()).orders[0].orderId;
  expect(purchases.map((p) => p.transaction_id)).toEqual([orderId]);

  // Back to the paid checkout and submit it again: the proxy answers as before (no charge), with no purchase.
  await page.goBack();
  await page.waitForURL('**/checkout-multi.html');
  await funnel.ready(page);
  await expect(page.locator('form[data-kf-form=order]')).not.toHaveAttribute('aria-busy', /.*/);
  await page.getByLabel('1 bottle').check();
  await funnel.fillCheckout(page);
  // The answer is read on its way to the page (the page navigates on as soon as it has it).
  const replays: Array<{ headers: Record<string, string>; body: unknown }> = [];
  await page.route('**/kfunnel/order', async (route) => {
    const response = await route.fetch();
    replays.push({ headers: response.headers(), body: await response.json() });
    await route.fulfill({ response });
  });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await page.unroute('**/kfunnel/order');
  expect(replays).toHaveLength(1);
  expect(replays[0]?.headers['idempotent-replayed'], 'answered as a replay').toBeDefined();
  expect(replays[0]?.body).not.toHaveProperty('purchase');
  await funnel.ready(page);

  await page.getByLabel('2-pack (one for a partner)').check();
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);
  await page.reload();
  await funnel.ready(page);
  // Back on the last upsell after the funnel finished: its order is gone, so a second click adds nothing.
  await page.goBack();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await expect(page.locator('[data-kf-errors]')).toContainText(/could not (find your order|be added)/);

  const [order] = (await funnel.state()).orders;
  expect(order.orderId).toBe(orderId);
  // The sandbox's own lines agree with the campaign prices used below.
  expect(order.items.map((i: any) => [i.productId, i.qty, i.price, i.shipping])).toEqual([
    [1, 1, product(1).price, product(1).shipPrice],
    [4, 1, product(4).price, 0],
    [11, 1, product(11).price, 0],
    [20, 1, product(20).price, 0],
  ]);
  expect(await funnel.calls('upsale')).toHaveLength(2);
  const expected = [
    { transaction_id: orderId, value: cents(product(1).price + product(1).shipPrice + product(4).price), currency: 'USD', items: [item(1), item(4)] },
    { transaction_id: `${orderId}-U1`, value: product(11).price, currency: 'USD', items: [item(11)] },
    { transaction_id: `${orderId}-U2`, value: product(20).price, currency: 'USD', items: [item(20)] },
  ];
  expect(expected[0].value).toBe(50.85);
  expect(purchases).toEqual(expected);
  expect(tags).toEqual(expected.flatMap(tagsFor));
  expect(JSON.stringify(tags)).not.toContain(CUSTOMER.emailAddress);
});

test('a resent upsale attempt (lost answer) is one purchase: the replay carries none', async ({ page, funnel }) => {
  const { tags, purchases } = await record(page);
  await funnel.payOnCheckout(page);
  // The upsale reaches Konnektive, but its answer is lost on the way back to the browser.
  let dropped = 0;
  await page.route('**/kfunnel/upsale', async (route) => {
    if (dropped++) return route.continue();
    await route.fetch();
    await route.abort('connectionreset');
  });
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await expect(page.locator('[data-kf-errors]')).toContainText('you will not be charged twice');
  const resent = page.waitForResponse((response) => response.url().endsWith('/kfunnel/upsale'));
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  expect((await resent).headers()['idempotent-replayed']).toBeDefined();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  const [order] = (await funnel.state()).orders;
  expect(order.items.map((i: any) => i.productId)).toEqual([2, 10]);
  // The lost answer's purchase is not recovered: a sale is reported by the answer that made it, or not at all.
  expect(purchases.map((p) => p.transaction_id)).toEqual([order.orderId]);
  expect(tags).toHaveLength(3);
});

/** A checkout of the merchant's own: quantity 3 of the 1-bottle offer, analytics off. Served here; the proxy and sandbox are the real ones. */
function fixtureCheckout(scriptAttributes: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixture checkout</title><link rel="icon" href="data:,">
<script src="/kfunnel/kfunnel.min.js" defer data-campaign-id="3" ${scriptAttributes}></script></head>
<body data-kf-page="checkout"><form data-kf-form="order" data-kf-next="/thankyou.html">
<input type="hidden" name="product1_id" value="1"><input type="hidden" name="product1_qty" value="3"><input type="hidden" name="country" value="US"><input type="hidden" name="billShipSame" value="1">
${Object.keys({ ...CUSTOMER, ...CARD })
  .map((name) => `<label>${name} <input name="${name}" required></label>`)
  .join('\n')}
<button>Buy 3</button></form></body></html>`;
}

async function buyFixture(page: Page, funnel: Funnel, scriptAttributes: string): Promise<void> {
  await page.route(`${funnel.base}/fixture-checkout.html`, (route) => route.fulfill({ contentType: 'text/html', body: fixtureCheckout(scriptAttributes) }));
  await page.goto(`${funnel.base}/fixture-checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Buy 3' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);
}

test('quantity 3: the item price is the line price per unit; data-currency names the currency', async ({ page, funnel }) => {
  const { tags, purchases } = await record(page);
  await buyFixture(page, funnel, 'data-currency="EUR"');
  const [order] = (await funnel.state()).orders;
  expect(order.items.map((i: any) => [i.productId, i.qty, i.price])).toEqual([[1, 3, cents(3 * product(1).price)]]);
  const expected = { transaction_id: order.orderId, value: order.totalAmount, currency: 'EUR', items: [{ ...item(1, 3), price: product(1).price }] };
  expect(order.totalAmount).toBe(cents(3 * product(1).price + product(1).shipPrice));
  expect(purchases).toEqual([expected]);
  expect(tags).toEqual(tagsFor(expected).map((call) => (call[0] === 'fbq' ? [call[0], call[1], call[2], { ...(call[3] as object), currency: 'EUR' }, call[4]] : call)));
});

test('data-analytics="off": kfunnel:purchase still fires, nothing is pushed to dataLayer or fbq', async ({ page, funnel }) => {
  const { tags, purchases } = await record(page);
  await buyFixture(page, funnel, 'data-analytics="off"');
  const [order] = (await funnel.state()).orders;
  expect(purchases).toEqual([{ transaction_id: order.orderId, value: order.totalAmount, currency: 'USD', items: [{ ...item(1, 3), price: product(1).price }] }]);
  // The pushes would have been made in the same task as the event, before the page moved on.
  expect(tags).toEqual([]);
});
