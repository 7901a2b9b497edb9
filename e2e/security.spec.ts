import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures.js';

test('a page on another origin cannot use the proxy: JSON is stopped at the preflight, a simple form POST is refused', async ({ page, funnel }) => {
  // The attacker's own site: no CSP of ours to protect the proxy, just a page on another origin.
  const evil = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>evil</title><link rel="icon" href="data:,">'));
  await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
  await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
  const results = await page.evaluate(async (target) => {
    const attempt = async (init: RequestInit, route: string) => {
      try {
        const response = await fetch(`${target}/kfunnel/${route}`, { method: 'POST', ...init });
        return { status: response.status, body: await response.text() };
      } catch (error) {
        return { status: 0, body: String(error) };
      }
    };
    return {
      json: await attempt({ headers: { 'content-type': 'application/json', 'idempotency-key': 'cross-origin-key-1' }, body: '{"orderId":"A","product1_id":"1"}' }, 'order'),
      // No preflight for these: the request reaches the proxy, whose answer the page may not read.
      form: await attempt({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'firstName=A&lastName=B&emailAddress=a@b.co&campaignId=3', mode: 'no-cors' }, 'lead'),
      text: await attempt({ headers: { 'content-type': 'text/plain' }, body: '{"pageType":"presellPage","campaignId":"3","requestUri":"http://x/"}', mode: 'no-cors' }, 'click'),
    };
  }, funnel.base);
  evil.close();
  expect(results.json.status, 'the preflight is refused, so the browser never sends the order').toBe(0);
  expect(results.form.status).toBe(0); // opaque to the page
  const refusals = funnel.log.map((line) => JSON.parse(line)).filter((entry) => entry.result === 'origin_not_allowed');
  expect(refusals.map((entry) => `${entry.method} ${entry.route} ${entry.status}`).sort()).toEqual(['OPTIONS order 403', 'POST click 403', 'POST lead 403']);
  const { orders, sessions } = await funnel.state();
  expect(orders).toHaveLength(0);
  expect(sessions).toHaveLength(0);
});

test('money routes refuse a request with no Origin or Referer; the log shows why', async ({ request, funnel }) => {
  for (const route of ['order', 'upsale', 'paypal']) {
    const response = await request.post(`${funnel.base}/kfunnel/${route}`, { headers: { 'idempotency-key': `no-origin-${route}-key` }, data: { orderId: 'A' } });
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ result: 'ERROR', code: 'origin_required' });
  }
  expect((await funnel.state()).calls).toHaveLength(0);
});

test('the served pages, the script and every proxy answer carry no credential and no wildcard CORS', async ({ request, funnel }) => {
  for (const path of ['/', '/checkout.html', '/kfunnel.min.js', '/kfunnel.min.js.map', '/kfunnel.js']) {
    const response = await request.get(`${funnel.base}${path}`);
    expect(response.status()).toBe(200);
    const text = await response.text();
    expect(text).not.toContain('kf-e2e-login');
    expect(text).not.toContain('e2e-Pa55w0rd');
    expect(response.headers()['access-control-allow-origin']).toBeUndefined();
  }
});
