import type { Page } from '@playwright/test';
import { DEMO_CAMPAIGN } from '../src/sandbox/campaign.js';
import { CUSTOMER, expect, test } from './fixtures.js';

const money = (n: number) => `$${n.toFixed(2)}`;

/** Whether each option's text fits inside the select (text width + padding + arrow), measured with its own font. */
async function optionsFit(page: Page, selector: string): Promise<Array<{ text: string; fits: boolean }>> {
  return page.locator(selector).evaluate((select: HTMLSelectElement) => {
    const style = getComputedStyle(select);
    const context = document.createElement('canvas').getContext('2d')!;
    context.font = style.font;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20; // the arrow
    return Array.from(select.options, (option) => ({ text: option.text, fits: context.measureText(option.text).width <= room }));
  });
}

test("the prepaid offer's button says what is charged, and that is what the sandbox charges", async ({ page, funnel }) => {
  const bottle = DEMO_CAMPAIGN.products.find((p) => p.campaignProductId === 1)!;
  const label = `Buy one bottle: ${money(bottle.price)} + ${money(bottle.shipPrice)} shipping`;
  await page.goto(`${funnel.base}/prepaid-offer.html`);
  await funnel.ready(page);
  const button = page.getByRole('button', { name: label });
  await expect(button).toBeVisible();
  await funnel.fillCheckout(page);
  await button.click();
  await page.waitForURL('**/thankyou.html');
  const { orders } = await funnel.state();
  expect(orders[0].orderStatus).toBe('COMPLETE');
  expect(orders[0].totalAmount).toBe(Math.round((bottle.price + bottle.shipPrice) * 100) / 100);
});

for (const width of [390, 1280]) {
  test(`checkout-multi at ${width} px: a package is chosen by default, and no Delivery option is cut off`, async ({ page, funnel }) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${funnel.base}/checkout-multi.html`);
    await funnel.ready(page);
    await expect(page.getByLabel('3 bottles')).toBeChecked();
    for (const option of await optionsFit(page, '#shipProfileId')) expect(option.fits, `"${option.text}" fits`).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  });
}

test('checkout-multi sells the default package when the shopper picks none', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout-multi.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardMonth: '12', cardYear: '2030' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  const { orders } = await funnel.state();
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2]);
  expect(orders[0].firstName).toBe(CUSTOMER.firstName);
});

test('the event log panel lists kfunnel:* events across pages, and shows the real purchases with their GA4 fields', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  const log = page.locator('#event-log');
  await expect(log.locator('li[data-event="ready"]')).toContainText('/checkout.html');
  await expect(log).not.toHaveAttribute('open', '');
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  const { orderId } = (await funnel.state()).orders[0];
  const pack = DEMO_CAMPAIGN.products.find((p) => p.campaignProductId === 2)!;
  // Kept across the page change: the order's success and purchase fired on the checkout, just before it left.
  await expect(log.locator('li[data-event="success"]').filter({ hasText: '/checkout.html' }).filter({ hasText: 'order' })).toHaveCount(1);
  await expect(log).toHaveAttribute('open', '');
  await expect(log.locator('li[data-event="purchase"]')).toHaveText([`kfunnel:purchase /checkout.html — ${orderId} · ${pack.price} USD · 1 item(s)`]);
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  const mask = DEMO_CAMPAIGN.products.find((p) => p.campaignProductId === 10)!;
  await expect(log.locator('li[data-event="purchase"]')).toHaveText([
    `kfunnel:purchase /upsell1.html — ${orderId}-U1 · ${mask.price} USD · 1 item(s)`,
    `kfunnel:purchase /checkout.html — ${orderId} · ${pack.price} USD · 1 item(s)`,
  ]);
  expect(await log.textContent()).not.toContain('ada@example.com');
});

test('every demo form posts: should the script not load, nothing typed ends up in a URL', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const forms = readdirSync('demo-landers')
    .filter((file) => file.endsWith('.html'))
    .flatMap((file) => [...readFileSync(`demo-landers/${file}`, 'utf8').matchAll(/<form\b[^>]*>/g)].map(([tag]) => [file, tag]));
  expect(forms.length).toBeGreaterThanOrEqual(6);
  for (const [file, tag] of forms) expect(tag, file).toMatch(/\bmethod="post"/);
});
