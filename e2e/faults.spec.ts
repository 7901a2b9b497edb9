import type { Page } from '@playwright/test';
import { CARD, CUSTOMER, expect, PROXY_TIMEOUT_MS, test, type Funnel } from './fixtures.js';

/**
 * Konnektive misbehaving every way the sandbox's fault switch knows, plus refusing connections. The
 * "processed" faults run the call and then lose its answer: the proxy must find out what happened
 * instead of sending the call again.
 */
const MODES = ['timeout', 'http500', 'http502', 'truncated', 'reset', 'refuse'] as const;
type Mode = (typeof MODES)[number];

const NETWORK = 'We could not reach the store. Please try again.';
const UNKNOWN = 'We could not confirm your payment. Please try again: you will not be charged twice.';

async function injure(funnel: Funnel, mode: Mode, endpoint: string) {
  if (mode === 'refuse') await funnel.server.sandbox!.refuseConnections(true);
  // A slow answer outlasts the proxy's wait, so the visitor sees the failure first.
  else funnel.faults([{ mode, endpoints: [endpoint], delayMs: PROXY_TIMEOUT_MS + 1500 }]);
}

async function heal(funnel: Funnel, mode: Mode) {
  if (mode === 'refuse') await funnel.server.sandbox!.refuseConnections(false);
  else funnel.faults();
}

async function submitUntilAway(page: Page, button: string, from: RegExp) {
  // The visitor presses the button again until the store answers (a slow answer may still be arriving).
  for (let attempt = 0; attempt < 4 && from.test(page.url()); attempt++) {
    await page.getByRole('button', { name: button }).click();
    await page.waitForURL((url) => !from.test(url.href), { timeout: PROXY_TIMEOUT_MS * 2 + 2000 }).catch(() => {});
  }
}

for (const mode of MODES) {
  test(`lead, ${mode}: a clear message, the form kept, a retry that works, one lead`, async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/lead.html`);
    await funnel.ready(page);
    await page.fill('#firstName', CUSTOMER.firstName);
    await page.fill('#lastName', CUSTOMER.lastName);
    await page.fill('#emailAddress', CUSTOMER.emailAddress);
    await injure(funnel, mode, 'lead');
    await page.getByRole('button', { name: 'Continue to checkout' }).click();
    await expect(page.locator('[data-kf-errors]')).toHaveText(NETWORK, { timeout: PROXY_TIMEOUT_MS * 2 });
    await expect(page.locator('#emailAddress')).toHaveValue(CUSTOMER.emailAddress);
    await heal(funnel, mode);
    await submitUntilAway(page, 'Continue to checkout', /lead\.html/);
    await expect(page).toHaveURL(/checkout\.html$/);
    const { orders } = await funnel.state();
    expect(orders, 'exactly one lead').toHaveLength(1);
    expect(orders[0]).toMatchObject({ orderStatus: 'PARTIAL', emailAddress: CUSTOMER.emailAddress });
  });

  test(`order, ${mode}: "not charged twice" message, the form kept, a retry that works, one charge`, async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/checkout.html`);
    await funnel.ready(page);
    await funnel.fillCheckout(page);
    // The partial lead made while filling in goes first, so the fault meets the order itself.
    await expect.poll(async () => (await funnel.calls('lead')).length).toBeGreaterThan(0);
    await injure(funnel, mode, 'order');
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await expect(page.locator('[data-kf-errors]')).toHaveText(UNKNOWN, { timeout: PROXY_TIMEOUT_MS * 2 });
    await expect(page.locator('#cardNumber')).toHaveValue(CARD.cardNumber);
    await expect(page.locator('#address1')).toHaveValue(CUSTOMER.address1);
    await heal(funnel, mode);
    await submitUntilAway(page, 'Complete secure order', /checkout\.html/);
    await expect(page).toHaveURL(/upsell1\.html$/);
    const { orders } = await funnel.state();
    expect(orders, 'exactly one order').toHaveLength(1);
    expect(orders[0].orderStatus).toBe('COMPLETE');
    expect(orders[0].transactions.map((t: any) => `${t.type} ${t.status}`), 'charged exactly once').toEqual(['SALE APPROVED']);
  });

  test(`upsale, ${mode}: the message, a retry that works, one upsale`, async ({ page, funnel }) => {
    await funnel.payOnCheckout(page);
    await injure(funnel, mode, 'upsale');
    await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
    await expect(page.locator('[data-kf-errors]')).toHaveText(UNKNOWN, { timeout: PROXY_TIMEOUT_MS * 2 });
    await heal(funnel, mode);
    await submitUntilAway(page, 'Yes, add it to my order', /upsell1\.html/);
    await expect(page).toHaveURL(/upsell2\.html$/);
    const { orders } = await funnel.state();
    expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
    expect(orders[0].transactions.map((t: any) => `${t.type} ${t.status}`), 'the upsale charged once').toEqual(['SALE APPROVED', 'UPSALE APPROVED']);
  });
}
