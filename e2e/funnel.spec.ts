import { CARD, CUSTOMER, expect, test } from './fixtures.js';

test('the whole Recommended API Flow, from an affiliate link with passed values and UTMs', async ({ page, funnel }) => {
  const landing = `${funnel.base}/?affId=AbC1&c1=FaceBook&c2=Spring%26Sale&utm_source=fb&utm_Campaign=Night`;
  await page.goto(landing);
  await funnel.ready(page);
  await page.getByRole('link', { name: 'Check availability' }).click();

  await page.waitForURL('**/lead.html');
  await page.fill('#firstName', CUSTOMER.firstName);
  await page.fill('#lastName', CUSTOMER.lastName);
  await page.fill('#emailAddress', CUSTOMER.emailAddress);
  await page.getByRole('button', { name: 'Continue to checkout' }).click();

  await page.waitForURL('**/checkout.html');
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();

  await page.waitForURL('**/upsell1.html');
  await page.getByRole('button', { name: 'Yes, add it to my order' }).click();
  await page.waitForURL('**/upsell2.html');
  await page.getByRole('button', { name: 'Yes, add the tea' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);

  const state = await funnel.state();
  expect(state.sessions).toHaveLength(1);
  const [session] = state.sessions;
  // One click per page, with the right pageType; only the first sends the landing URL.
  expect(session.clicks.map((c: any) => c.pageType)).toEqual(['presellPage', 'leadPage', 'checkoutPage', 'upsellPage1', 'upsellPage2', 'thankyouPage']);
  expect(session.clicks[0].requestUri).toBe(landing);
  expect(session.clicks[0].httpReferer).toBe(landing);
  expect(session.clicks[0].userAgent).toContain('Chrome');
  expect(session.clicks[0].ipAddress).toBe('127.0.0.1');
  expect(session.clicks.slice(1).every((c: any) => c.requestUri === undefined)).toBe(true);
  expect(session.affVals).toEqual({ affId: 'AbC1', c1: 'FaceBook', c2: 'Spring&Sale' });

  const calls = await funnel.calls();
  const lead = calls.find((c) => c.endpoint === 'lead' && c.result === 'SUCCESS');
  const orderId = lead.orderId;
  expect(orderId).toMatch(/^[0-9A-F]{10}$/);
  // Partial leads may update the lead while the visitor types; every lead call is the same order.
  expect(calls.filter((c) => c.endpoint === 'lead').every((c) => c.result === 'SUCCESS' && (c.orderId ?? orderId) === orderId)).toBe(true);
  expect(calls.filter((c) => !['click', 'lead'].includes(c.endpoint)).map((c) => c.endpoint)).toEqual(['order', 'upsale', 'upsale', 'confirm']);
  for (const call of calls.filter((c) => c.endpoint !== 'click' && c.endpoint !== 'confirm')) {
    expect(call, `${call.endpoint} carries the session`).toMatchObject({ sessionId: session.sessionId, result: 'SUCCESS' });
  }
  for (const call of calls.filter((c) => ['order', 'upsale', 'confirm'].includes(c.endpoint))) expect(call.orderId).toBe(orderId);
  expect(calls.filter((c) => c.endpoint === 'click').every((c) => c.sessionId === session.sessionId)).toBe(true);

  const [order] = state.orders;
  expect(order).toMatchObject({ orderId, orderStatus: 'COMPLETE', sessionId: session.sessionId, confirmations: 1 });
  expect(order.items.map((i: any) => i.productId)).toEqual([2, 10, 20]);
  await expect(page.locator('[data-kf-text=orderId]')).toHaveText(orderId);
  await expect(page.locator('[data-kf-text=totalAmount]')).toHaveText(order.totalAmount.toFixed(2));
  await expect(page.locator('h1')).toHaveText('Thank you, Ada!');

  // Reloading the thank-you page neither confirms again nor forgets the numbers.
  await page.reload();
  await funnel.ready(page);
  await expect(page.locator('[data-kf-text=orderId]')).toHaveText(orderId);
  expect(await funnel.calls('confirm')).toHaveLength(1);
  const cookies = await page.context().cookies();
  expect(cookies.map((c) => c.name).sort()).toEqual(['kf_sid', 'kf_v']);
  // The visitor cookie is the proxy's own: scripts on the page can never read it.
  expect(cookies.find((c) => c.name === 'kf_v')?.httpOnly).toBe(true);
});

test('entering the funnel at the checkout: the first click is the checkout, a lead is made before the order', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html?affId=Z9&c1=direct`);
  await funnel.ready(page);
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page); // after the upsell page's own Import Click, which the calls below include

  const state = await funnel.state();
  expect(state.sessions).toHaveLength(1);
  expect(state.sessions[0].clicks[0]).toMatchObject({ pageType: 'checkoutPage', requestUri: `${funnel.base}/checkout.html?affId=Z9&c1=direct` });
  expect(state.sessions[0].affVals).toEqual({ affId: 'Z9', c1: 'direct' });
  expect(state.orders).toHaveLength(1);
  expect(state.orders[0]).toMatchObject({ orderStatus: 'COMPLETE', sessionId: state.sessions[0].sessionId, firstName: 'Ada', address1: CUSTOMER.address1 });
  const calls = (await funnel.calls()).map((c) => c.endpoint);
  expect(calls.filter((e) => e !== 'lead')).toEqual(['click', 'order', 'click']);
  expect(calls.indexOf('lead'), 'the lead is saved before the order').toBeLessThan(calls.indexOf('order'));
});

test('a partial lead as the visitor types on the checkout; the order then converts that same orderId', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await page.fill('#firstName', 'Grace');
  await page.fill('#lastName', 'Hopper');
  await page.fill('#emailAddress', 'grace@example.com');
  await page.press('#emailAddress', 'Tab'); // the field is finished
  await expect.poll(async () => (await funnel.calls('lead')).length).toBe(1);
  const partial = (await funnel.state()).orders[0];
  expect(partial).toMatchObject({ orderStatus: 'PARTIAL', firstName: 'Grace', emailAddress: 'grace@example.com' });

  await funnel.fillCheckout(page, { firstName: 'Grace', lastName: 'Hopper', emailAddress: 'grace@example.com' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  const state = await funnel.state();
  expect(state.orders).toHaveLength(1);
  expect(state.orders[0]).toMatchObject({ orderId: partial.orderId, orderStatus: 'COMPLETE' });
  const leads = await funnel.calls('lead');
  expect(leads.length).toBeGreaterThanOrEqual(1);
  expect(leads.slice(1).every((c) => c.orderId === partial.orderId), 'later leads update the same order').toBe(true);
  expect((await funnel.calls('order'))[0].orderId).toBe(partial.orderId);
});

test('the demo pages all load under the strict CSP, with kfunnel ready on each', async ({ page, funnel }) => {
  for (const path of ['/', '/lead.html', '/checkout.html', '/checkout-multi.html', '/prepaid-offer.html', '/upsell1.html', '/upsell2.html', '/thankyou.html']) {
    const response = await page.goto(`${funnel.base}${path}`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await funnel.ready(page);
  }
  expect(CARD.cardNumber).toBeTruthy();
});
