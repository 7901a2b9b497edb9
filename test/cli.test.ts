import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { startRedis } from './helpers/redis.js';
import { capture } from './helpers/text.js';

const BIN = new URL('../bin/kfunnel.js', import.meta.url).pathname;
const running: ChildProcess[] = [];
after(() => running.forEach((child) => child.kill()));

/** Starts the built CLI and resolves with its banner once it names a URL. */
function start(args: string[], env: Record<string, string> = {}): Promise<{ child: ChildProcess; banner: string }> {
  assert.ok(existsSync(new URL('../dist/cli.js', import.meta.url)), 'dist/ is built (npm test builds before the unit tests)');
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, PORT: '', KONNEKTIVE_LOGIN_ID: '', KONNEKTIVE_PASSWORD: '', ...env } });
  running.push(child);
  return new Promise((resolve, reject) => {
    let banner = '';
    child.stdout!.on('data', (chunk) => {
      banner += chunk;
      if (/http:\/\/\S+:\d+/.test(banner) && banner.trim().split('\n').length >= 2) resolve({ child, banner });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${banner}`)));
  });
}

const form = (params: Record<string, string>) => ({ method: 'POST', body: new URLSearchParams({ loginId: 'sandbox', password: 'sandbox', ...params }) });

describe('npx kfunnel', () => {
  test('sandbox: all six endpoints answer in the envelope, and the inspector shows the funnel', async () => {
    const { banner } = await start(['sandbox', '--port', '0']);
    const base = capture(banner, /(http:\/\/127\.0\.0\.1:\d+)/);
    const api = async (path: string, params: Record<string, string>) => (await fetch(`${base}${path}`, form(params))).json();
    const click = await api('/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri: 'http://x.test/?affId=CLI1' });
    const sessionId = click.message.sessionId;
    const lead = await api('/leads/import/', { campaignId: '3', sessionId, firstName: 'Cli', lastName: 'User', emailAddress: 'cli@example.com' });
    const orderId = lead.message.orderId;
    const order = await api('/order/import/', { campaignId: '3', sessionId, orderId, address1: '1 A', city: 'B', postalCode: '1', country: 'US', product1_id: '1', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' });
    const upsale = await api('/upsale/import/', { orderId, sessionId, productId: '10' });
    const confirm = await api('/order/confirm/', { orderId });
    const paypal = await api('/transactions/confirmPaypal/', { token: 'EC-0', payerId: 'X' });
    for (const answer of [click, lead, order, upsale, confirm]) assert.equal(answer.result, 'SUCCESS', JSON.stringify(answer));
    assert.deepEqual(paypal, { result: 'ERROR', message: 'Invalid PayPal token EC-0' });
    const inspector = await (await fetch(`${base}/`)).text();
    for (const text of [sessionId, orderId, 'affId=CLI1', 'presellPage', 'Driftwell Silk Night Mask']) assert.ok(inspector.includes(text), text);
  });

  test('serve: landers, script and proxy on one origin, against an embedded sandbox it names', async () => {
    const { banner } = await start(['serve', '--port', '0', '--csp']);
    assert.match(banner, /embedded sandbox/);
    const base = capture(banner, /Landers:\s+(http:\/\/localhost:\d+)/);
    const page = await fetch(`${base}/checkout.html`);
    assert.match(page.headers.get('content-security-policy') as string, /script-src 'self'/);
    assert.match(banner, new RegExp(`Script:\\s+${base}/kfunnel/kfunnel\\.min\\.js`));
    assert.equal((await fetch(`${base}/kfunnel/kfunnel.min.js`)).status, 200);
    assert.equal((await fetch(`${base}/kfunnel.min.js`)).status, 200);
    const click = await fetch(`${base}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"pageType":"presellPage","campaignId":"3","requestUri":"http://x.test/"}' });
    assert.equal((await click.json()).result, 'SUCCESS');
    // The inspector is on this origin itself (no redirect to a loopback port), as the banner says.
    assert.match(banner, new RegExp(`Sandbox:\\s+${base}/_sandbox`));
    const inspector = await fetch(`${base}/_sandbox`, { redirect: 'manual' });
    assert.equal(inspector.status, 200);
    assert.match(await inspector.text(), /kfunnel sandbox/);
  });

  test('proxy with credentials in the environment forwards to KONNEKTIVE_API_URL', async () => {
    const { banner: sandboxBanner } = await start(['sandbox', '--port', '0'], { KONNEKTIVE_LOGIN_ID: 'cli-login', KONNEKTIVE_PASSWORD: 'cli-password' });
    const upstream = capture(sandboxBanner, /(http:\/\/127\.0\.0\.1:\d+)/);
    const { banner } = await start(['proxy', '--port', '0'], { KONNEKTIVE_LOGIN_ID: 'cli-login', KONNEKTIVE_PASSWORD: 'cli-password', KONNEKTIVE_API_URL: upstream });
    assert.ok(banner.includes(upstream), banner);
    const base = capture(banner, /Routes: (http:\/\/\S+:\d+)/);
    const click = await fetch(`${base}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"pageType":"presellPage","campaignId":"3","requestUri":"http://x.test/"}' });
    assert.equal((await click.json()).result, 'SUCCESS');
  });

  test('help, and clear errors for a bad command or port', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('exit', (code) => resolve({ code, out }));
      });
    assert.match((await run(['--help'])).out, /kfunnel serve/);
    const bad = await run(['launch']);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /unknown command "launch"/);
    const port = await run(['sandbox', '--port', 'eighty']);
    assert.equal(port.code, 2);
    assert.match(port.out, /invalid port "eighty"/);
  });

  test('KFUNNEL_REDIS_URL: the banner names Redis instead of "one process only"; a bad URL stops the start', async () => {
    const redis = await startRedis();
    try {
      const { banner, child } = await start(['serve', '--port', '0'], { KFUNNEL_REDIS_URL: redis.url, KFUNNEL_REDIS_PREFIX: 'cli:' });
      assert.match(banner, new RegExp(`State:\\s+Redis at 127\\.0\\.0\\.1:${redis.port} \\(prefix cli:\\)`));
      assert.doesNotMatch(banner, /one process only/);
      child.kill();
    } finally {
      await redis.stop();
    }
    for (const [url, message] of [
      ['localhost:6379', /KFUNNEL_REDIS_URL must start with redis:\/\/ or rediss:\/\//],
      ['redis://cache.internal:6379/prod', /database number/],
    ] as const) {
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { ...process.env, PORT: '', KONNEKTIVE_LOGIN_ID: '', KONNEKTIVE_PASSWORD: '', KFUNNEL_REDIS_URL: url } });
      running.push(child);
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      const code = await new Promise((resolve) => child.on('exit', resolve));
      assert.equal(code, 2, out);
      assert.match(out, message);
      assert.doesNotMatch(out, /Landers:/, 'nothing was started');
    }
  });
});
