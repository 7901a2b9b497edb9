import type { Page } from '@playwright/test';
import { CARD, CUSTOMER, expect, test, type Funnel } from './fixtures.js';

/** Everything the browser keeps for this origin: both storages and the cookies. */
const kept = (page: Page) => page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }) + document.cookie);

test.describe('shoppers never retype', () => {
  test('the checkout fills its empty fields from the lead the visitor gave; the card stays empty', async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/lead.html`);
    await funnel.ready(page);
    const lead = { firstName: CUSTOMER.firstName, lastName: CUSTOMER.lastName, emailAddress: CUSTOMER.emailAddress, phoneNumber: CUSTOMER.phoneNumber };
    for (const [name, value] of Object.entries(lead)) await page.fill(`#${name}`, value);
    await page.getByRole('button', { name: 'Continue to checkout' }).click();
    await page.waitForURL('**/checkout.html');
    await funnel.ready(page);
    for (const [name, value] of Object.entries(lead)) await expect(page.locator(`#${name}`), name).toHaveValue(value);
    // Fields the lead page did not have stay empty; so does every card field.
    for (const name of ['address1', 'city', 'postalCode', 'cardNumber', 'cardSecurityCode']) await expect(page.locator(`#${name}`), name).toHaveValue('');
    for (const name of ['cardMonth', 'cardYear']) await expect(page.locator(`#${name}`), name).toHaveValue('');
    // The default package stands: a prefill is not a restore.
    await expect(page.getByLabel('3 bottles')).toBeChecked();
    expect(JSON.stringify(await page.context().cookies())).not.toContain(CUSTOMER.emailAddress);
  });

  test('after a failed 3-D Secure the checkout comes back with everything but the card, the chosen package included', async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/checkout-multi.html`);
    await funnel.ready(page);
    await page.getByLabel('1 bottle').check();
    await page.getByLabel(/rush processing/).check();
    await page.fill('#couponCode', 'SAVE10');
    await failThreeDs(page, funnel);
    for (const [name, value] of Object.entries(CUSTOMER)) await expect(page.locator(`[name=${name}]`), name).toHaveValue(value);
    await expect(page.locator('#couponCode')).toHaveValue('SAVE10');
    await expect(page.getByLabel('1 bottle')).toBeChecked();
    await expect(page.getByLabel('3 bottles')).not.toBeChecked();
    await expect(page.getByLabel(/rush processing/)).toBeChecked();
    for (const name of Object.keys(CARD)) await expect(page.locator(`[name=${name}]`), name).toHaveValue('');
    const stored = await kept(page);
    expect(stored).not.toContain('4000000000003220');
    expect(stored).not.toContain('4000 0000 0000 3220');
    expect(stored).not.toContain('cardSecurityCode');

    // Only the card is typed again, and the restored choices are what is sold.
    await typeCard(page);
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await page.waitForURL('**/upsell1.html');
    const [order] = (await funnel.state()).orders;
    expect(order.orderStatus).toBe('COMPLETE');
    expect(order.items.map((i: any) => i.productId)).toEqual([1, 4]);
    expect(order.couponCode).toBe('SAVE10');
    expect(order).toMatchObject({ firstName: CUSTOMER.firstName, address1: CUSTOMER.address1, postalCode: CUSTOMER.postalCode });
  });

  // Fails on main at the time of writing: restoreForm (src/browser/fill.ts) only fills a control whose
  // value is empty, and a <select> without an empty first option always has one, so the Delivery and
  // Country the visitor chose come back as the defaults, and the retry sells Standard shipping to the US.
  test('after a failed 3-D Secure the chosen Delivery and Country selects come back too, and are what is sold', async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/checkout-multi.html`);
    await funnel.ready(page);
    await page.selectOption('#shipProfileId', '2');
    await page.selectOption('#country', 'CA');
    await failThreeDs(page, funnel);
    await expect.soft(page.locator('#shipProfileId'), 'the chosen Delivery').toHaveValue('2');
    await expect(page.locator('#country'), 'the chosen Country').toHaveValue('CA');
    await typeCard(page);
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await page.waitForURL('**/upsell1.html');
    const [order] = (await funnel.state()).orders;
    expect(order.shipProfileId).toBe(2);
    expect(order.country).toBe('CA');
  });
});

/** Submits the checkout with the sandbox's 3-D Secure card, fails the challenge, and waits for the checkout to be back. */
async function failThreeDs(page: Page, funnel: Funnel): Promise<void> {
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 3220' });
  const path = new URL(page.url()).pathname;
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL(/\/_sandbox\/3ds\//);
  await page.getByRole('button', { name: 'Fail verification' }).click();
  await page.waitForURL(`${funnel.base}${path}`);
  await funnel.ready(page);
  await expect(page.locator('[data-kf-errors]')).toContainText('3-D Secure authentication failed');
}

async function typeCard(page: Page): Promise<void> {
  await page.fill('#cardNumber', CARD.cardNumber);
  await page.selectOption('#cardMonth', CARD.cardMonth);
  await page.selectOption('#cardYear', CARD.cardYear);
  await page.fill('#cardSecurityCode', CARD.cardSecurityCode);
}
