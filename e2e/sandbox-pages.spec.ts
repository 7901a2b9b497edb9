import { createServer } from 'node:net';
import type { Page, Response } from '@playwright/test';
import { CHROMIUM_ARGS, chromiumPath } from '../playwright.config.js';
import { startServe } from '../src/server/serve.js';
import { E2E_LOGIN, E2E_PASSWORD, expect, PROXY_TIMEOUT_MS, test, type Funnel } from './fixtures.js';

/** A port nobody listens on now, so the public origins can name it before the server starts. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

// "shop.test" resolves to this machine only inside this browser: a host name that is not a loopback
// name, as a phone on the LAN would use, or a tunnel. The proxy accepts it as a public origin
// (KFUNNEL_PUBLIC_URL in a deployment).
test.use({
  launchOptions: { executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP shop.test 127.0.0.1'] },
  serving: [
    async ({}, use) => {
      const log: string[] = [];
      const port = await freePort();
      const server = await startServe({
        root: 'demo-landers',
        port,
        scriptDir: 'dist',
        csp: true,
        sandbox: { loginId: E2E_LOGIN, password: E2E_PASSWORD },
        proxy: { rateLimitPerMinute: 0, timeoutMs: PROXY_TIMEOUT_MS, moneyTimeoutMs: PROXY_TIMEOUT_MS, log: (line) => log.push(line), publicOrigins: [`http://shop.test:${port}`, `http://localhost:${port}`] },
      });
      await use({ server, log });
      await server.close();
    },
    { scope: 'worker' },
  ],
});

const shopOf = (funnel: Funnel) => funnel.base.replace('//localhost:', '//shop.test:');

/** Every response the page gets, to check hosts and statuses afterwards. */
function recordResponses(page: Page): Response[] {
  const seen: Response[] = [];
  page.on('response', (response) => seen.push(response));
  return seen;
}

/** A click straight into the sandbox, as the proxy would send it. */
async function sandboxClick(funnel: Funnel, requestUri: string) {
  const body = new URLSearchParams({ loginId: E2E_LOGIN, password: E2E_PASSWORD, pageType: 'presellPage', campaignId: '3', requestUri });
  const answer = await funnel.server.sandbox!.sandbox.fetch(new Request('http://sandbox.test/landers/clicks/import/', { method: 'POST', body }));
  expect((await answer.json()).result).toBe('SUCCESS');
}

test('3-D Secure through a non-loopback host name: the challenge page is on that origin, and the order completes', async ({ page, funnel }) => {
  const shop = shopOf(funnel);
  const responses = recordResponses(page);
  await page.goto(`${shop}/checkout.html`);
  await funnel.ready(page);
  await funnel.fillCheckout(page, { cardNumber: '4000 0000 0000 3220' });
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL(`${shop}/_sandbox/3ds/**`);
  await expect(page.getByText('Sandbox Bank')).toBeVisible();
  await page.getByRole('button', { name: 'Approve payment' }).click();
  await page.waitForURL(`${shop}/upsell1.html`);
  await funnel.ready(page);
  expect((await funnel.state()).orders[0].orderStatus).toBe('COMPLETE');

  const urls = responses.map((r) => r.url());
  expect(urls.filter((url) => !url.startsWith(`${shop}/`)), 'every request stays on the host name the shopper used').toEqual([]);
  expect(responses.filter((r) => r.status() === 404).map((r) => r.url()), 'no page logs a 404').toEqual([]);
});

test('the PayPal stand-in is served on the same origin too, with no 404', async ({ page, funnel }) => {
  const shop = shopOf(funnel);
  const responses = recordResponses(page);
  await page.goto(`${shop}/checkout-multi.html`);
  await funnel.ready(page);
  for (const [name, value] of Object.entries({ firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', address1: '1 Analytical Way', city: 'Austin', postalCode: '78701' })) {
    await page.fill(`#${name}`, value);
  }
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL(`${shop}/_sandbox/paypal/checkoutnow?token=EC-*`);
  await expect(page.getByRole('button', { name: 'Pay with PayPal' })).toBeVisible();
  expect(responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`)).toEqual([]);
});

test('the inspector updates in place: no reload, scroll kept, fits a 390 px screen', async ({ page, funnel }) => {
  const shop = shopOf(funnel);
  const responses = recordResponses(page);
  await page.setViewportSize({ width: 390, height: 700 });
  for (let i = 0; i < 12; i++) await sandboxClick(funnel, `${shop}/?affId=OLD${i}&c1=${'x'.repeat(60)}`);
  await page.goto(`${shop}/_sandbox`);
  await expect(page.getByText('affId=OLD11', { exact: true })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth), 'no sideways scrolling at 390 px').toBeLessThanOrEqual(390);

  await page.evaluate(() => {
    (window as any).sameDocument = true;
    window.scrollTo(0, 900);
  });
  const scrolled = await page.evaluate(() => window.scrollY);
  expect(scrolled).toBeGreaterThan(0);
  await sandboxClick(funnel, `${shop}/?affId=LIVE1`);
  await expect(page.getByText('affId=LIVE1', { exact: true })).toBeAttached();
  expect(await page.evaluate(() => (window as any).sameDocument), 'updated without a reload').toBe(true);
  expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  expect(responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`), 'no page logs a 404').toEqual([]);
});
