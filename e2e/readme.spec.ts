import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { startServe } from '../src/server/serve.js';
import { CARD, CUSTOMER, E2E_LOGIN, E2E_PASSWORD, expect, PROXY_TIMEOUT_MS, test } from './fixtures.js';

/**
 * The README's snippets, verbatim: each ```html block after a `<!-- kfunnel:snippet NAME -->` marker.
 * The pages below are nothing but these, so the README cannot drift from what works.
 */
function readmeSnippets(): Record<string, string> {
  const snippets: Record<string, string> = {};
  for (const [, name, html] of readFileSync('README.md', 'utf8').matchAll(/<!-- kfunnel:snippet (\w+) -->\n```html\n([\s\S]*?)\n```/g)) snippets[name] = html;
  return snippets;
}

const SNIPPETS = readmeSnippets();
const PAGES = ['presell', 'lead', 'checkout', 'upsell1', 'thankyou'];

/** A new user's folder: one file per page, the tag snippet in the head and the page snippet as the body. */
function writeSite(): string {
  const root = mkdtempSync(join(tmpdir(), 'kfunnel-readme-'));
  for (const name of PAGES) {
    const file = name === 'presell' ? 'index.html' : `${name}.html`;
    writeFileSync(join(root, file), `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${name}</title><link rel="icon" href="data:,">\n${SNIPPETS.script}\n</head>\n${SNIPPETS[name]}\n</html>\n`);
  }
  return root;
}

test.use({
  serving: [
    async ({}, use) => {
      const root = writeSite();
      const log: string[] = [];
      // What `npx kfunnel serve --root <folder>` runs, without a child process.
      const server = await startServe({
        root,
        port: 0,
        scriptDir: 'dist',
        sandbox: { loginId: E2E_LOGIN, password: E2E_PASSWORD },
        proxy: { rateLimitPerMinute: 0, timeoutMs: PROXY_TIMEOUT_MS, moneyTimeoutMs: PROXY_TIMEOUT_MS, log: (line) => log.push(line) },
      });
      await use({ server, log });
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

async function fill(page: Page, values: Record<string, string>) {
  for (const [name, value] of Object.entries(values)) await page.locator(`[name="${name}"]`).fill(value);
}

const CONTACT = { firstName: CUSTOMER.firstName, lastName: CUSTOMER.lastName, emailAddress: CUSTOMER.emailAddress };
const ADDRESS = { address1: CUSTOMER.address1, city: CUSTOMER.city, state: CUSTOMER.state, postalCode: CUSTOMER.postalCode };

test('the README has every snippet the funnel needs, each a page body with method="post" forms', () => {
  expect(Object.keys(SNIPPETS).sort()).toEqual([...PAGES, 'script'].sort());
  expect(SNIPPETS.script).toBe('<script src="/kfunnel/kfunnel.min.js" defer data-campaign-id="3"></script>');
  for (const name of PAGES) {
    const forms = SNIPPETS[name].match(/<form\b[^>]*>/g) ?? [];
    for (const form of forms) expect(form, `${name}: ${form}`).toContain('method="post"');
  }
});

test('README as written: presell, lead, checkout, upsell and thank-you complete a purchase', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/?affId=README1`);
  await funnel.ready(page);
  await page.getByRole('link', { name: 'Check availability' }).click();
  await page.waitForURL('**/lead.html');
  await funnel.ready(page);
  await fill(page, CONTACT);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL('**/checkout.html');
  await funnel.ready(page);
  await fill(page, { ...CONTACT, ...ADDRESS, ...CARD });
  await page.getByRole('button', { name: 'Complete order' }).click();
  await page.waitForURL('**/upsell1.html');
  await funnel.ready(page);
  await page.getByRole('button', { name: 'Yes, add it' }).click();
  await page.waitForURL('**/thankyou.html');
  await funnel.ready(page);

  const { orders, sessions } = await funnel.state();
  expect(orders).toHaveLength(1);
  expect(orders[0]).toMatchObject({ orderStatus: 'COMPLETE', firstName: CUSTOMER.firstName, sessionId: sessions[0].sessionId });
  expect(orders[0].items.map((i: any) => i.productId)).toEqual([2, 10]);
  expect(sessions[0].affVals).toEqual({ affId: 'README1' });
  await expect(page.locator('[data-kf-text="orderId"]')).toHaveText(orders[0].orderId);
  await expect(page.locator('[data-kf-text="totalAmount"]')).toHaveText(orders[0].totalAmount.toFixed(2));
  await expect.poll(async () => (await funnel.state()).orders[0].confirmations).toBe(1);
});

test('README as written: the PayPal button pays with the card fields left empty', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await fill(page, { ...CONTACT, ...ADDRESS });
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL(`${funnel.base}/_sandbox/paypal/checkoutnow?token=*`);
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
  await page.waitForURL('**/upsell1.html');
  const { orders } = await funnel.state();
  expect(orders[0]).toMatchObject({ orderStatus: 'COMPLETE', paySource: 'PAYPAL' });
});

test('README as written: a declined card is shown in the form, which keeps what was typed', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/checkout.html`);
  await funnel.ready(page);
  await fill(page, { ...CONTACT, ...ADDRESS, ...CARD, cardNumber: '4000 0000 0000 0002' });
  await page.getByRole('button', { name: 'Complete order' }).click();
  await expect(page.locator('[data-kf-errors]')).toContainText('Insufficient Funds');
  await expect(page).toHaveURL(`${funnel.base}/checkout.html`);
  await expect(page.locator('[name="address1"]')).toHaveValue(CUSTOMER.address1);
  expect((await funnel.state()).orders[0].orderStatus).toBe('DECLINED');
});
