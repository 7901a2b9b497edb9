import { expect, test } from './fixtures.js';

test('double-click and Enter-mashing on submit: exactly one order', async ({ page, funnel }) => {
  // Konnektive takes a second to answer, so every extra click and Enter lands while the order is in flight.
  await page.route('**/kfunnel/order', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await route.continue();
  });
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page);
  const pay = page.getByRole('button', { name: 'Complete secure order' });
  await pay.dblclick();
  await page.locator('#cardSecurityCode').focus();
  for (let i = 0; i < 6; i++) await page.keyboard.press('Enter');
  await expect(page.locator('form[data-kf-form]')).toHaveAttribute('aria-busy', 'true');
  await expect(pay).toBeDisabled();
  await page.waitForURL('**/upsell1.html');
  expect(await funnel.calls('order')).toHaveLength(1);
  const { orders } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0].transactions).toHaveLength(1);
});

test('reload and the back button in the middle of the funnel: no second order, the session kept', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html?affId=R1`);
  await funnel.ready(page);
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  await page.reload();
  await funnel.ready(page);

  await page.goBack();
  await page.waitForURL(/checkout\.html/);
  await funnel.ready(page);
  // The visitor pays again on the page they came back to.
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');

  const { orders, sessions } = await funnel.state();
  expect(sessions).toHaveLength(1);
  expect(sessions[0].affVals).toEqual({ affId: 'R1' });
  expect(orders).toHaveLength(1);
  expect(orders[0].transactions.map((t: any) => `${t.type} ${t.status}`)).toEqual(['SALE APPROVED', 'UPSALE APPROVED']);
  expect(await funnel.calls('order'), 'the second payment never reached Konnektive').toHaveLength(1);
  const clicks = await funnel.calls('click');
  expect(clicks.every((c) => c.sessionId === sessions[0].sessionId)).toBe(true);
  expect(funnel.log.some((line) => JSON.parse(line).replayed === 'order-complete')).toBe(true);
});
