import { CUSTOMER, expect, test } from './fixtures.js';

test('a decline, then a corrected card: one DECLINED attempt, one COMPLETE order, the form kept in between', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 0002' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  const errors = page.locator('[data-kf-errors]');
  await expect(errors).toHaveText('Payment declined: Insufficient Funds. Please try another card.');
  await expect(errors).toHaveAttribute('role', 'alert');
  await expect(page.locator('#firstName')).toHaveValue(CUSTOMER.firstName);
  await expect(page.locator('#address1')).toHaveValue(CUSTOMER.address1);
  await expect(page.locator('#cardNumber')).toHaveValue('4000 0000 0000 0002');
  await expect(page).toHaveURL(/checkout\.html$/);

  await page.fill('#cardNumber', '4111 1111 1111 1111');
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0].orderStatus).toBe('COMPLETE');
  expect(orders[0].transactions.map((t: any) => [t.type, t.status])).toEqual([
    ['SALE', 'DECLINED'],
    ['SALE', 'APPROVED'],
  ]);
});

test('a prepaid decline goes to the prepaid page with the sessionId, which adopts it', async ({ page, funnel }) => {
  const arrivals: string[] = [];
  page.on('request', (request) => request.isNavigationRequest() && arrivals.push(request.url()));
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  const sessionId = await page.evaluate(() => (window as any).kfunnel.sessionId());
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 0010' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/prepaid-offer.html');
  await funnel.ready(page);
  expect(arrivals.at(-1)).toBe(`${funnel.base}/prepaid-offer.html?sessionId=${sessionId}`);
  await expect(page).toHaveURL(`${funnel.base}/prepaid-offer.html`);
  const { sessions, orders } = await funnel.state();
  expect(sessions).toHaveLength(1);
  expect(sessions[0].clicks.at(-1)).toMatchObject({ pageType: 'checkoutPage' });
  expect(orders[0].transactions[0].message).toBe('Transaction Declined: Prepaid Credit Cards Are Not Accepted');
});

test('3-D Secure approved: the POST back needs no cookie; on to the upsell, whose upsale is verified too', async ({ page, funnel }) => {
  // The sandbox's challenge page is on the shop's origin; a real bank's is another site, whose POST
  // back carries no Lax cookie. Strip them, so the return leg is proven to need none.
  const returnPosts: string[] = [];
  await page.route('**/kfunnel/return/**', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    returnPosts.push(route.request().url());
    const { cookie, ...headers } = await route.request().allHeaders();
    await route.continue({ headers });
  });
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 3220' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL(`${funnel.base}/_sandbox/3ds/**`);
  expect((await funnel.state()).orders[0].orderStatus).toBe('PENDING');
  await page.getByRole('button', { name: 'Approve payment' }).click();
  await page.waitForURL(`${funnel.base}/upsell1.html`);
  expect(returnPosts).toHaveLength(1);
  expect((await funnel.state()).orders[0].orderStatus).toBe('COMPLETE');

  await funnel.ready(page);
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL(/\/_sandbox\/3ds\//);
  await page.getByRole('button', { name: 'Approve payment' }).click();
  await page.waitForURL(`${funnel.base}/upsell2.html`);
  expect((await funnel.state()).orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
});

test('3-D Secure failed: the bank error is shown on the checkout, and a retry with another card works', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 3220' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL(/\/_sandbox\/3ds\//);
  await page.getByRole('button', { name: 'Fail verification' }).click();
  await page.waitForURL(/\/checkout\.html/);
  await funnel.ready(page);
  await expect(page.locator('[data-kf-errors]')).toHaveText('Your payment could not be verified: 3-D Secure authentication failed. Please try another card.');
  await expect(page).toHaveURL(`${funnel.base}/checkout.html`);
  expect((await funnel.state()).orders[0].orderStatus).toBe('DECLINED');

  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0].orderStatus).toBe('COMPLETE');
});

test('PayPal: out to the PayPal page, back with token and PayerID, Confirm PayPal, on to upsell 1', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout-multi.html`);
  await funnel.ready(page);
  await page.getByLabel('3 bottles').check();
  await page.getByLabel(/rush processing/).check();
  const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...customer } = { ...CUSTOMER, cardNumber: '', cardMonth: '', cardYear: '', cardSecurityCode: '' };
  for (const [name, value] of Object.entries(customer)) await page.fill(`#${name}`, value);
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL(/\/_sandbox\/paypal\/checkoutnow\?token=EC-/);
  await expect(page.getByText('$94.80')).toBeVisible();
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL(`${funnel.base}/upsell1.html`);
  const calls = await funnel.calls();
  const confirm = calls.find((c) => c.endpoint === 'paypal');
  expect(confirm).toMatchObject({ result: 'SUCCESS' });
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0]).toMatchObject({ orderStatus: 'COMPLETE', paySource: 'PAYPAL', totalAmount: 94.8 });
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 4]);
  expect(cardNumber + cardMonth + cardYear + cardSecurityCode).toBe('');
});

test('PayPal cancelled: back on the checkout with the reason, nothing charged', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout-multi.html`);
  await funnel.ready(page);
  await page.getByLabel('1 bottle').check();
  for (const [name, value] of Object.entries(CUSTOMER)) await page.fill(`#${name}`, value);
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL(/\/_sandbox\/paypal\//);
  await page.getByRole('button', { name: 'Cancel and return to the store' }).click();
  await page.waitForURL(/checkout-multi\.html/);
  await expect(page.locator('[data-kf-errors]')).toHaveText('Your payment could not be verified: PayPal payment was cancelled.');
  expect((await funnel.state()).orders[0].orderStatus).toBe('DECLINED');
});
