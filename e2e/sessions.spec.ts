import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../src/server/serve.js';
import { expect, test } from './fixtures.js';

test('cross-domain hand-off with ?sessionId=: the other domain joins the same session', async ({ page, funnel }) => {
  await page.goto(`${funnel.base}/?affId=X1&c1=handoff`);
  await funnel.ready(page);
  const sessionId = await page.evaluate(() => (window as any).kfunnel.sessionId());
  await page.goto(`${funnel.otherHost}/checkout.html?sessionId=${sessionId}`);
  await funnel.ready(page);
  await expect(page).toHaveURL(`${funnel.otherHost}/checkout.html`);
  expect(await page.evaluate(() => (window as any).kfunnel.sessionId())).toBe(sessionId);
  await funnel.fillCheckout(page);
  await page.getByRole('button', { name: 'Complete secure order' }).click();
  await page.waitForURL('**/upsell1.html');
  // The upsell page's Import Click is sent after navigation; ready follows its answer.
  await funnel.ready(page);
  const { sessions, orders } = await funnel.state();
  expect(sessions).toHaveLength(1);
  expect(sessions[0].clicks.map((c: any) => c.pageType)).toEqual(['presellPage', 'checkoutPage', 'upsellPage1']);
  expect(sessions[0].affVals).toEqual({ affId: 'X1', c1: 'handoff' });
  expect(orders[0].sessionId).toBe(sessionId);
});

test('the script served from another origin (a CDN) still talks to the page own proxy', async ({ page }) => {
  // A real CDN origin for the bundle, and a real lander on its own server: documents the browser
  // fetched itself, as on a live site (Chrome's Local Network Access treats synthetic ones as public).
  const bundle = readFileSync('dist/kfunnel.min.js');
  const cdn = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle));
  await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
  const cdnUrl = `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/npm/kfunnel@1/dist/kfunnel.min.js`;
  const root = mkdtempSync(join(tmpdir(), 'kfunnel-cdn-'));
  writeFileSync(
    join(root, 'index.html'),
    `<!doctype html><title>CDN</title><link rel="icon" href="data:,"><body data-kf-page="lead">
      <script src="${cdnUrl}" defer data-campaign-id="3"></script>
      <form data-kf-form="lead" data-kf-next="/next.html"><input name="firstName" value="Cdn"><input name="lastName" value="User">
      <input name="emailAddress" value="cdn@example.com"><button>Go</button></form>`,
  );
  writeFileSync(join(root, 'next.html'), '<!doctype html><title>Next</title><link rel="icon" href="data:,">');
  const lander = await startServe({ root, port: 0, proxy: { rateLimitPerMinute: 0, log: () => {} }, sandbox: { loginId: 'cdn-login', password: 'cdn-password' } });
  try {
    const proxied: string[] = [];
    page.on('request', (request) => request.url().includes('/kfunnel/') && proxied.push(new URL(request.url()).origin));
    await page.goto(`${lander.url}/`);
    await page.waitForFunction(() => (window as any).kfunnel?.ready === true);
    await page.getByRole('button', { name: 'Go' }).click();
    await page.waitForURL('**/next.html');
    expect(new Set(proxied)).toEqual(new Set([lander.url]));
    const { orders, sessions } = lander.sandbox!.sandbox.state();
    expect(sessions).toHaveLength(1);
    expect(orders[0]).toMatchObject({ firstName: 'Cdn', orderStatus: 'PARTIAL', sessionId: sessions[0].sessionId });
  } finally {
    await lander.close();
    cdn.close();
  }
});
