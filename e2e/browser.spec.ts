import type { Page } from '@playwright/test';
import { CARD, CUSTOMER, expect, test } from './fixtures.js';

/** Records every call kfunnel makes to window.dataLayer and window.fbq, across page loads. */
async function stubTags(page: Page): Promise<unknown[][]> {
  const calls: unknown[][] = [];
  await page.exposeFunction('recordTag', (call: unknown[]) => void calls.push(call));
  await page.addInitScript(() => {
    const record = (window as any).recordTag;
    const dataLayer: unknown[] = [];
    dataLayer.push = (...items: unknown[]) => (items.forEach((item) => record(['dataLayer', item])), Array.prototype.push.apply(dataLayer, items));
    Object.assign(window, { dataLayer, fbq: (...args: unknown[]) => record(['fbq', ...args]) });
  });
  return calls;
}

test.describe('the landing URL, byte for byte', () => {
  test('awkward affiliate and ad parameters reach the sandbox exactly; the address bar is untouched', async ({ page, funnel }) => {
    const landing = `${funnel.base}/?gclid&c1=Fb+Ads&c2=a%2Bb&c3=a%20b&c4=caf%E9&x=1;y=2&e=&affId=AbC&affId=second#offer`;
    await page.goto(landing);
    await funnel.ready(page);
    expect(page.url()).toBe(landing);
    const [click] = (await funnel.state()).sessions[0].clicks;
    expect(click.requestUri).toBe(landing.split('#')[0]);
    expect(click.httpReferer).toBe(landing.split('#')[0]);
  });

  test("only the script's own arrival parameters leave the address bar, textually", async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/?c1=Fb+Ads&errorMsg=x&c4=caf%E9&gclid#top`);
    await funnel.ready(page);
    const kept = `${funnel.base}/?c1=Fb+Ads&c4=caf%E9&gclid`;
    expect(page.url()).toBe(`${kept}#top`);
    expect((await funnel.state()).sessions[0].clicks[0].requestUri).toBe(kept);
  });
});

test('purchase analytics: the exact dataLayer and fbq calls for the order and each upsell, never again on reload or back', async ({ page, funnel }) => {
  const tags = await stubTags(page);
  const purchases: unknown[] = [];
  await page.exposeFunction('recordPurchase', (detail: unknown) => void purchases.push(detail));
  await page.addInitScript(() => document.addEventListener('kfunnel:purchase', (event) => (window as any).recordPurchase((event as CustomEvent).detail)));
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);
  await page.reload();
  await funnel.ready(page);
  await page.goBack();
  await page.waitForURL('**/upsell2.html');
  await funnel.ready(page);

  const [order] = (await funnel.state()).orders;
  const [sale, ...upsales] = order.transactions;
  const item = (line: any) => ({ item_id: String(line.productId), item_name: line.name, price: Math.round((line.price / line.qty) * 100) / 100, quantity: line.qty });
  const [first, ...upsold] = order.items;
  const expected = [
    { transaction_id: order.orderId, value: sale.amount, currency: 'USD', items: [item(first)] },
    ...upsold.map((line: any, n: number) => ({ transaction_id: `${order.orderId}-U${n + 1}`, value: upsales[n].amount, currency: 'USD', items: [item(line)] })),
  ];
  expect(purchases).toEqual(expected);
  expect(tags).toEqual(
    expected.flatMap((ecommerce) => [
      ['dataLayer', { ecommerce: null }],
      ['dataLayer', { event: 'purchase', ecommerce }],
      [
        'fbq',
        'track',
        'Purchase',
        {
          value: ecommerce.value,
          currency: 'USD',
          content_ids: ecommerce.items.map((i: any) => i.item_id),
          contents: ecommerce.items.map((i: any) => ({ id: i.item_id, quantity: i.quantity })),
          content_type: 'product',
        },
        { eventID: ecommerce.transaction_id },
      ],
    ]),
  );
  expect(JSON.stringify(tags)).not.toContain(CUSTOMER.emailAddress);
});

test.describe('forms the script binds', () => {
  test('PayPal on the checkout whose card fields are required and empty: no browser pop-up, no card sent', async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/checkout-multi.html`);
    await funnel.ready(page);
    await expect(page.locator('form[data-kf-form=order]')).toHaveAttribute('novalidate', '');
    await expect(page.locator('form[data-kf-form=order]')).toHaveAttribute('method', 'post');
    await expect(page.locator('#cardNumber')).toHaveAttribute('required', '');
    await page.getByLabel('1 bottle').check();
    for (const [name, value] of Object.entries(CUSTOMER)) await page.fill(`#${name}`, value);
    await page.getByRole('button', { name: 'Pay with PayPal' }).click();
    await page.waitForURL(/\/_sandbox\/paypal\//);
    const order = (await funnel.calls('order'))[0];
    expect(Object.keys(order).filter((k) => k.startsWith('card'))).toEqual([]);
  });
});

test('cookies: kf_sid and kf_oid come from the proxy (30 days) and the script does not write them again', async ({ page, funnel }) => {
  const writes: string[] = [];
  await page.exposeFunction('recordCookie', (line: string) => void writes.push(line));
  await page.addInitScript(() => {
    const native = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie')!;
    Object.defineProperty(document, 'cookie', { get: () => native.get!.call(document), set: (line: string) => ((window as any).recordCookie(line), native.set!.call(document, line)) });
  });
  await page.goto(`${funnel.base}/lead.html`);
  await funnel.ready(page);
  for (const name of ['firstName', 'lastName', 'emailAddress'] as const) await page.fill(`#${name}`, CUSTOMER[name]);
  await page.getByRole('button', { name: 'Continue to checkout' }).click();
  await page.waitForURL('**/checkout.html');
  await funnel.ready(page);
  const cookies = Object.fromEntries((await page.context().cookies()).map((c) => [c.name, c]));
  for (const name of ['kf_sid', 'kf_oid']) {
    const days = (cookies[name].expires * 1000 - Date.now()) / 86_400_000;
    expect(Math.round(days), name).toBe(30);
    expect(cookies[name]).toMatchObject({ path: '/', sameSite: 'Lax', httpOnly: false });
  }
  expect(writes.filter((line) => /^kf_(sid|oid)=/.test(line))).toEqual([]);
});
