import { expect, test, type Funnel } from './fixtures.js';
import type { Page } from '@playwright/test';

async function buy(page: Page, funnel: Funnel, card = '4111 1111 1111 1111') {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardNumber: card });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
}

test('upsell offer choice and accept, then a decline that makes no call', async ({ page, funnel }) => {
  await buy(page, funnel);
  await page.getByLabel('2-pack (one for a partner)').check();
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  await page.getByRole('link', { name: 'No thanks, take me to my order' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);

  const upsales = await funnel.calls('upsale');
  expect(upsales).toHaveLength(1);
  const { orders, sessions } = await funnel.state();
  expect(upsales[0]).toMatchObject({ result: 'SUCCESS', orderId: orders[0].orderId, sessionId: sessions[0].sessionId });
  expect(orders[0].items.map((i: any) => [i.productId, i.price])).toEqual([
    [2, 89.85],
    [11, 39.9],
  ]);
  expect(sessions[0].clicks.map((c: any) => c.pageType)).toEqual(['checkoutPage', 'upsellPage1', 'upsellPage2', 'thankyouPage']);
  await expect(page.locator('[data-kf-text=totalAmount]')).toHaveText('129.75');
});

test('a declined one-click upsale: "could not be added" with a Continue link to data-kf-next, nothing added, no purchase', async ({ page, funnel }) => {
  const purchases: unknown[] = [];
  await page.exposeFunction('recordPurchase', (detail: unknown) => void purchases.push(detail));
  await page.addInitScript(() => document.addEventListener('kfunnel:purchase', (event) => (window as any).recordPurchase((event as CustomEvent).detail)));
  await buy(page, funnel, '4000 0000 0000 0341');
  expect(purchases).toHaveLength(1); // the order itself
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  const errors = page.locator('[data-kf-errors]');
  await expect(errors).toHaveText('Sorry, this offer could not be added to your order. Continue');
  await expect(errors).toHaveAttribute('role', 'alert');
  await expect(page).toHaveURL(/upsell1\.html$/);
  // The form is usable again (not left busy).
  await expect(page.locator('form[data-kf-form=upsale]')).not.toHaveAttribute('aria-busy', /.*/);
  const { orders } = await funnel.state();
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2]);
  expect(orders[0].transactions.map((t: any) => t.status)).toEqual(['APPROVED', 'DECLINED']);
  const next = errors.getByRole('link', { name: 'Continue' });
  await expect(next).toHaveAttribute('href', `${funnel.base}/upsell2.html`);
  await next.click();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);
  expect(await funnel.calls('upsale')).toHaveLength(1);
  expect(purchases).toHaveLength(1);
});
