import type { Page } from '@playwright/test';
import { CARD, CUSTOMER, expect, test } from './fixtures.js';

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

test('hand-off to another domain: kfunnel.link() carries sessionId and kf_h; the grant goes with the click and leaves the address bar', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/lead.html?affId=H1`);
  await funnel.ready(page);
  for (const name of ['firstName', 'lastName', 'emailAddress'] as const) await page.fill(`#${name}`, CUSTOMER[name]);
  await page.getByRole('button', { name: 'Continue to checkout' }).click();
  await page.waitForURL('**/checkout.html');
  await funnel.ready(page);
  const sessionId = await page.evaluate(() => (window as any).kfunnel.sessionId());
  const link: string = await page.evaluate((url) => (window as any).kfunnel.link(url), `${funnel.otherHost}/checkout.html?c1=x`);
  expect(link).toMatch(new RegExp(`^${funnel.otherHost.replace(/\./g, '\\.')}/checkout\\.html\\?c1=x&sessionId=${sessionId}&kf_h=[^&#]+$`));
  const grant = decodeURIComponent(link.split('kf_h=')[1]);
  const clickHeaders: Array<string | undefined> = [];
  page.on('request', (request) => request.url().endsWith('/kfunnel/click') && clickHeaders.push(request.headers()['kfunnel-handoff']));
  await page.goto(link);
  await funnel.ready(page);
  expect(page.url()).toBe(`${funnel.otherHost}/checkout.html?c1=x`);
  expect(clickHeaders).toEqual([grant]);
  expect(await page.evaluate(() => (window as any).kfunnel.sessionId())).toBe(sessionId);
  expect((await funnel.state()).sessions).toHaveLength(1);
});

test.describe('card errors come from the proxy', () => {
  /** The field message next to a control: aria-invalid, and the text of the element its aria-describedby names. */
  async function fieldMessage(page: Page, name: string): Promise<string | null> {
    const control = page.locator(`form [name="${name}"]`);
    if ((await control.getAttribute('aria-invalid')) !== 'true') return null;
    const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter(Boolean);
    return (await Promise.all(ids.map((id) => page.locator(`#${id}`).textContent()))).join(' ');
  }

  test('a bad card number, a short CVV and a past expiry: messages beside those fields, nothing sent to Konnektive; then the corrected card pays once', async ({ page, funnel }) => {
    // December of last year is always over; the checkout's year list starts this year, so it gets that option.
    const year = String(new Date().getFullYear() - 1);
    await page.goto(`${funnel.base}/checkout.html`);
    await page.locator('#cardYear').evaluate((select: HTMLSelectElement, y: string) => select.add(new Option(y, y)), year);
    await funnel.ready(page);
    await funnel.fillCheckout(page, { cardNumber: '4111 1111 1111 1112', cardSecurityCode: '12', cardMonth: '12', cardYear: year });
    const refused = page.waitForResponse((response) => response.url().endsWith('/kfunnel/order'));
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    const answer = await refused;
    expect(answer.status()).toBeGreaterThanOrEqual(400);
    expect((await answer.json()).code).toBe('invalid_card');
    await expect(page.locator('[data-kf-errors]')).toHaveText('Please correct the marked fields.');
    await expect(page.locator('#cardNumber')).toBeFocused();
    expect(await fieldMessage(page, 'cardNumber')).toBe('Please check the card number.');
    expect(await fieldMessage(page, 'cardSecurityCode')).toBe('Please enter the 3-digit security code.');
    expect(await fieldMessage(page, 'cardYear')).toBe('Please check the expiry date.');
    for (const name of ['cardMonth', 'firstName', 'emailAddress', 'postalCode']) expect(await fieldMessage(page, name), name).toBeNull();
    expect(await funnel.calls('order')).toEqual([]);
    expect((await funnel.state()).orders.flatMap((o: any) => o.transactions)).toEqual([]);
    await expect(page.locator('form[data-kf-form=order]')).not.toHaveAttribute('aria-busy', /.*/);

    // American Express asks for four digits.
    await page.fill('#cardNumber', '3782 822463 10005');
    await page.selectOption('#cardYear', CARD.cardYear);
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await expect(page.locator('.kf-field-error')).toHaveText(['Please enter the 4-digit security code.']);
    expect(await fieldMessage(page, 'cardNumber')).toBeNull();
    expect(await fieldMessage(page, 'cardSecurityCode')).toBe('Please enter the 4-digit security code.');
    expect(await funnel.calls('order')).toEqual([]);

    await page.fill('#cardSecurityCode', '1234');
    await page.getByRole('button', { name: 'Complete secure order' }).click();
    await page.waitForURL('**/upsell1.html');
    const orders = await funnel.calls('order');
    expect(orders.map((c: any) => c.result)).toEqual(['SUCCESS']);
    expect((await funnel.state()).orders[0]).toMatchObject({ orderStatus: 'COMPLETE', cardType: 'AMEX' });
  });
});

test.describe("the sandbox's pixels, injected by the script", () => {
  /** Waits until the page's pixel image has loaded and its script was fetched; returns what the sandbox recorded for this page type. */
  async function pixelHits(page: Page, funnel: { state(): Promise<any> }, pageType: string): Promise<string[]> {
    await expect(page.locator('[data-kf-pixel]')).toHaveCount(1);
    await expect.poll(() => page.locator('[data-kf-pixel] img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
    await expect.poll(() => page.evaluate(() => performance.getEntriesByType('resource').filter((e) => /\/_sandbox\/pixel\/.*\.js/.test(e.name)).length)).toBe(1);
    return (await funnel.state()).pixels.filter((p: any) => p.pageType === pageType).map((p: any) => `${p.pixel} ${p.element}`).sort();
  }

  test('checkout with data-kf-fraud-pixel: the fraud pixel loads and its script runs, once; the thank-you page fires the campaign pixel; other pages none', async ({ page, funnel }) => {
    await page.goto(`${funnel.base}/checkout.html`);
    await funnel.ready(page);
    const sessionId = await page.evaluate(() => (window as any).kfunnel.sessionId());
    expect(await pixelHits(page, funnel, 'checkoutPage')).toEqual(['fraud img', 'fraud script']);
    await expect(page.locator('[data-kf-pixel] script')).toHaveAttribute('src', new RegExp(`/_sandbox/pixel/${sessionId}/fraud\\.js\\?pageType=checkoutPage$`));

    // No pixel on a page the campaign does not name: the injection precedes ready, so this is final.
    await page.goto(`${funnel.base}/upsell1.html`);
    await funnel.ready(page);
    await expect(page.locator('[data-kf-pixel]')).toHaveCount(0);

    await page.goto(`${funnel.base}/thankyou.html`);
    await funnel.ready(page);
    expect(await pixelHits(page, funnel, 'thankyouPage')).toEqual(['affiliate img', 'affiliate script']);
    const { pixels } = await funnel.state();
    expect(pixels.map((p: any) => p.pageType).sort()).toEqual(['checkoutPage', 'checkoutPage', 'thankyouPage', 'thankyouPage']);
    expect(new Set(pixels.map((p: any) => p.sessionId))).toEqual(new Set([sessionId]));
  });
});

test.describe('the script failing to load', () => {
  for (const [page_, how] of [
    ['checkout.html', '404'],
    ['checkout-multi.html', 'blocked'],
  ] as const) {
    test(`${page_} with kfunnel ${how}: submitting posts the form natively, no card data in any URL`, async ({ page, funnel }) => {
      await page.route('**/kfunnel/kfunnel.min.js', (route) => (how === '404' ? route.fulfill({ status: 404, body: 'not found' }) : route.abort('blockedbyclient')));
      const urls: string[] = [];
      page.on('request', (request) => urls.push(request.url()));
      await page.goto(`${funnel.base}/${page_}`);
      await page.waitForLoadState('load');
      expect(await page.evaluate(() => (window as any).kfunnel)).toBeUndefined();
      await funnel.fillCheckout(page);
      const navigation = page.waitForRequest((request) => request.isNavigationRequest() && request.frame() === page.mainFrame());
      await page.getByRole('button', { name: 'Complete secure order' }).click();
      const request = await navigation;
      expect(request.method()).toBe('POST');
      expect(request.postData()).toContain('cardNumber=');
      for (const url of [...urls, request.url(), page.url()]) {
        for (const secret of ['4111', 'cardNumber', 'cardSecurityCode']) expect(url, 'a URL the browser requested').not.toContain(secret);
      }
      expect(await funnel.calls()).toEqual([]);
    });
  }
});
