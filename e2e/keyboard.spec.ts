import { CARD, CUSTOMER, expect, test } from './fixtures.js';

test('keyboard only through the checkout: errors announced and focused, then the order', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  const focused = () => page.evaluate(() => (document.activeElement as HTMLInputElement)?.name ?? '');
  // Tab from the top of the page to the first package, then on to the first name.
  for (let i = 0; i < 30 && (await focused()) !== 'firstName'; i++) await page.keyboard.press('Tab');
  expect(await focused()).toBe('firstName');
  const typed: Array<[string, string]> = [
    ['firstName', CUSTOMER.firstName],
    ['lastName', CUSTOMER.lastName],
    ['emailAddress', 'ada-at-example.com'],
    ['phoneNumber', CUSTOMER.phoneNumber],
    ['address1', CUSTOMER.address1],
    ['address2', ''],
    ['city', CUSTOMER.city],
    ['state', CUSTOMER.state],
    ['postalCode', CUSTOMER.postalCode],
    ['country', ''],
    ['cardNumber', CARD.cardNumber],
    ['cardMonth', '12'],
    ['cardYear', '2030'],
    ['cardSecurityCode', CARD.cardSecurityCode],
  ];
  for (const [name, value] of typed) {
    expect(await focused()).toBe(name);
    if (value) await page.keyboard.type(value, { delay: 5 });
    if (name !== 'cardSecurityCode') await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');

  const email = page.locator('#emailAddress');
  await expect(email).toBeFocused();
  await expect(email).toHaveAttribute('aria-invalid', 'true');
  const describedBy = (await email.getAttribute('aria-describedby')) as string;
  await expect(page.locator(`#${describedBy}`)).toHaveText('Please enter a valid email address.');
  const region = page.locator('[data-kf-errors]');
  await expect(region).toHaveAttribute('role', 'alert');
  await expect(region).toHaveAttribute('aria-live', 'assertive');
  await expect(region).toHaveText('Please correct the marked fields.');
  expect(await funnel.calls('order')).toHaveLength(0);

  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(CUSTOMER.emailAddress);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  // The upsell by keyboard: the focused offer, then Enter on the accept button.
  const onAccept = () => page.evaluate(() => document.activeElement?.tagName === 'BUTTON' && document.activeElement.textContent?.includes('Yes, add it'));
  for (let i = 0; i < 30 && !(await onAccept()); i++) await page.keyboard.press('Tab');
  expect(await onAccept()).toBe(true);
  await page.keyboard.press('Enter');
  await page.waitForURL('**/upsell2.html');
  const { orders } = await funnel.state();
  expect(orders[0].emailAddress).toBe(CUSTOMER.emailAddress);
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
});
