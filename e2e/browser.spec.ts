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
