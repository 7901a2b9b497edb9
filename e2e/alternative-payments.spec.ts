import type { Page } from '@playwright/test';
import { CUSTOMER, expect, test, type Funnel } from './fixtures.js';

/**
 * A checkout that pays with an alternative method (Konnektive's paySource=PREPAID + prepaidType), as a
 * merchant would write it today: hidden fields, no card fields. Served on the funnel's own origin.
 */
const CHECKOUT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay later</title><link rel="icon" href="data:,">
<script src="/kfunnel/kfunnel.min.js" defer data-campaign-id="3"></script></head>
<body data-kf-page="checkout">
<form method="post" data-kf-form="order" data-kf-next="/upsell1.html">
  <div data-kf-errors></div>
  <input type="hidden" name="product1_id" value="1"><input type="hidden" name="paySource" value="PREPAID"><input type="hidden" name="prepaidType" value="KLARNA">
  <label>First name <input name="firstName" required></label> <label>Last name <input name="lastName" required></label>
  <label>Email <input name="emailAddress" type="email" required></label> <label>Street address <input name="address1" required></label>
  <label>City <input name="city" required></label> <label>ZIP code <input name="postalCode" required></label>
  <input type="hidden" name="country" value="US">
  <button>Pay with Klarna</button>
</form></body></html>`;

async function openCheckout(page: Page, funnel: Funnel) {
  await page.route((url) => url.pathname === '/pay-later.html', (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: CHECKOUT }));
  await page.goto(`${funnel.base}/pay-later.html`);
  await funnel.ready(page);
  for (const name of ['firstName', 'lastName', 'emailAddress', 'address1', 'city', 'postalCode'] as const) await page.fill(`[name="${name}"]`, CUSTOMER[name]);
  await page.getByRole('button', { name: 'Pay with Klarna' }).click();
  await page.waitForURL(`${funnel.base}/_sandbox/pay/**`);
  await expect(page.getByText('$45.90')).toBeVisible();
}

test('PREPAID + KLARNA: out to the stand-in page on the same origin, paid, back through the return leg to the next page', async ({ page, funnel }) => {
  await openCheckout(page, funnel);
  expect((await funnel.state()).orders[0]).toMatchObject({ orderStatus: 'PENDING', paySource: 'PREPAID', prepaidType: 'KLARNA' });
  await page.getByRole('button', { name: 'Pay with KLARNA' }).click();
  await page.waitForURL(`${funnel.base}/upsell1.html`);
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0]).toMatchObject({ orderStatus: 'COMPLETE', paySource: 'PREPAID', prepaidType: 'KLARNA', amountPaid: 45.9 });
  expect(orders[0].cardLast4).toBeUndefined();
});

test('PREPAID cancelled: back on the checkout with the reason, nothing charged', async ({ page, funnel }) => {
  await openCheckout(page, funnel);
  await page.getByRole('button', { name: 'Cancel and return to the store' }).click();
  await page.waitForURL(/\/pay-later\.html\?errorMsg=/);
  expect(new URL(page.url()).searchParams.get('errorMsg')).toBe('KLARNA payment was cancelled.');
  // Playwright does not intercept the hops of a redirect, so the stand-in checkout is loaded again at that URL.
  await page.goto(page.url());
  await expect(page.locator('[data-kf-errors]')).toContainText('KLARNA payment was cancelled.');
  expect((await funnel.state()).orders[0]).toMatchObject({ orderStatus: 'DECLINED', amountPaid: 0 });
});
