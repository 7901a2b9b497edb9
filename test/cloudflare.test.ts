/**
 * The Cloudflare store in real workerd: DurableObjectStore and the KfunnelStore object keep
 * MemoryStore's semantics (store.ts), atomically under concurrency from two Worker isolates, expire
 * values, and the object's alarm runs each fallen-due schedule member exactly once. Plus createWorker's
 * behaviour without its configuration, in Node with fakes.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { bundleWorker } from '../e2e/helpers/cloudflare.js';
import { createWorker, DurableObjectStore, proxyOptionsFromEnv } from '../src/proxy/cloudflare.js';
import { StoreUnavailableError } from '../src/proxy/store.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('DurableObjectStore on workerd', () => {
  let mf: Miniflare;
  const workers: { fetch(url: string, init?: RequestInit): Promise<Response> }[] = [];
  let prefix = 0;
  /** A fresh key per test, so tests sharing the objects never see each other's values. */
  const key = (name: string) => `t${prefix}:${name}`;

  /** Runs the calls concurrently inside one Worker instance; results in order. */
  async function run(instance: number, calls: unknown[][]): Promise<any[]> {
    const worker = workers[instance];
    assert.ok(worker, `worker ${instance} started`);
    const response = await worker.fetch('http://store.test/', { method: 'POST', body: JSON.stringify(calls) });
    assert.equal(response.status, 200);
    return response.json();
  }
  /** The same calls split over both instances (two isolates), all in flight at once. */
  async function runOnBoth(calls: unknown[][]): Promise<any[]> {
    const halves = await Promise.all([run(0, calls.filter((_, i) => i % 2 === 0)), run(1, calls.filter((_, i) => i % 2 === 1))]);
    return calls.map((_, i) => halves[i % 2]?.[Math.floor(i / 2)]);
  }

  before(async () => {
    const script = await bundleWorker('test/helpers/store-worker.ts');
    const common = { modules: [{ type: 'ESModule' as const, path: 'worker.js', contents: script }], compatibilityDate: '2026-04-01' };
    mf = new Miniflare({
      workers: [
        { name: 'a', ...common, durableObjects: { KFUNNEL_STORE: { className: 'KfunnelStore', useSQLite: true } } },
        { name: 'b', ...common, durableObjects: { KFUNNEL_STORE: { className: 'KfunnelStore', useSQLite: true, scriptName: 'a' } } },
      ],
      host: '127.0.0.1',
      port: 0,
      cf: false,
      log: new Log(LogLevel.WARN),
    });
    await mf.ready;
    for (const name of ['a', 'b']) workers.push((await mf.getWorker(name)) as never);
  });
  after(() => mf?.dispose());

  test('create is set-if-absent: of 40 concurrent creators on two isolates exactly one wins, and its value stays', async () => {
    prefix++;
    const results = await runOnBoth(Array.from({ length: 40 }, (_, i) => ['create', key('lease'), `holder-${i}`, 60_000, { keep: true }]));
    assert.equal(results.filter((r) => r === true).length, 1);
    const [value] = await run(0, [['get', key('lease')]]);
    assert.equal(value, `holder-${results.indexOf(true)}`);
  });

  test('increment is atomic: 50 concurrent increments count 1 to 50', async () => {
    prefix++;
    const results = await runOnBoth(Array.from({ length: 50 }, () => ['increment', key('count'), 60_000]));
    assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  test('swap is compare-and-set and deleteIf only deletes the value one holds', async () => {
    prefix++;
    await run(0, [['put', key('k'), 'a', 60_000]]);
    const swaps = await runOnBoth(Array.from({ length: 20 }, (_, i) => ['swap', key('k'), 'a', `b${i}`, 60_000]));
    assert.equal(swaps.filter((r) => r === true).length, 1);
    const winner = `b${swaps.indexOf(true)}`;
    assert.deepEqual(await run(1, [['deleteIf', key('k'), 'a'], ['get', key('k')]]), [null, winner]);
    assert.deepEqual(await run(0, [['deleteIf', key('k'), winner]]), [null]);
    assert.deepEqual(await run(1, [['get', key('k')], ['create', key('k'), 'c', 60_000]]), [null, true]);
  });

  test('sets: members added from both isolates, renewed, and read back', async () => {
    prefix++;
    await runOnBoth(Array.from({ length: 10 }, (_, i) => ['addToSet', key('grants'), [`O${i}`], 60_000]));
    const [members, has, hasNot] = await run(0, [['members', key('grants')], ['hasMember', key('grants'), 'O7'], ['hasMember', key('grants'), 'X']]);
    assert.deepEqual([...members].sort(), Array.from({ length: 10 }, (_, i) => `O${i}`).sort());
    assert.deepEqual([has, hasNot], [true, false]);
  });

  test('values, sets and counters expire at their time to live', async () => {
    prefix++;
    // Long enough that a loaded machine still reads before expiry; the check after is what matters.
    const ttl = 1500;
    await run(0, [['put', key('v'), 'x', ttl], ['addToSet', key('s'), ['m'], ttl], ['increment', key('c'), ttl], ['create', key('long'), 'y', 60_000]]);
    const written = Date.now();
    assert.deepEqual(await run(1, [['get', key('v')], ['hasMember', key('s'), 'm']]), ['x', true]);
    await sleep(written + ttl + 200 - Date.now());
    assert.deepEqual(await run(1, [['get', key('v')], ['hasMember', key('s'), 'm'], ['members', key('s')], ['increment', key('c'), ttl], ['get', key('long')]]), [null, false, [], 1, 'y']);
    // An expired lease is free again.
    assert.deepEqual(await run(0, [['create', key('v'), 'z', ttl]]), [true]);
  });

  test('claimDue hands each due member to exactly one of many concurrent claimers, earliest first', async () => {
    prefix++;
    const now = Date.now();
    // Far in the future: the alarm must not run these; only the claimers below may.
    const base = now + 3_600_000;
    await run(0, Array.from({ length: 12 }, (_, i) => ['schedule', key('due'), `m${i}`, base - 1000 + i]));
    await run(0, [['schedule', key('due'), 'later', base + 60_000], ['schedule', key('due'), 'gone', base - 5000], ['unschedule', key('due'), 'gone']]);
    const claims = await runOnBoth(Array.from({ length: 6 }, () => ['claimDue', key('due'), base, 5]));
    const claimed = claims.flat();
    assert.equal(claimed.length, 12);
    assert.deepEqual([...new Set(claimed)].sort(), Array.from({ length: 12 }, (_, i) => `m${i}`).sort());
    for (const claim of claims) assert.ok(claim.length <= 5);
    assert.deepEqual(await run(1, [['claimDue', key('due'), base + 60_000, 10]]), [['later']]);
    assert.deepEqual(await run(1, [['claimDue', key('due'), base + 120_000, 10]]), [[]]);
  });

  test("the object's alarm runs each fallen-due schedule member once, batch after batch, and leaves the rest for later", async () => {
    prefix++;
    const member = (name: string) => `${key('')}${name}`;
    // Scheduled, then moved: a member scheduled again runs at its new time only (C earlier, P later).
    const pOldTime = Date.now() + 1000;
    await run(0, [['schedule', key('completion'), member('C'), Date.now() + 3_600_000], ['schedule', key('completion'), member('P'), pOldTime]]);
    await run(1, [['schedule', key('completion'), member('P'), Date.now() + 3_600_000]]);
    const soon = Date.now() + 300;
    const first = ['A', 'C', 'D', 'E', 'F'];
    // Z, due after P's old time and after every other member, is the signal: the alarm claims earliest
    // first, so once Z has run, P (had it stayed at its old time) and any member left to run again
    // would have run too.
    await runOnBoth([...first.map((name) => ['schedule', key('completion'), member(name), soon]), ['schedule', key('completion'), member('B'), soon + 50], ['schedule', key('completion'), member('Z'), pOldTime + 100]]);
    const names = [...first, 'B', 'P', 'Z'];
    const ran = () => run(0, names.map((name) => ['get', `ran:${member(name)}`]));
    const deadline = Date.now() + 10_000;
    let counts = await ran();
    while (counts[names.indexOf('Z')] === null) {
      assert.ok(Date.now() < deadline, `the alarm did not run Z in time: ${JSON.stringify(counts)}`);
      await sleep(100);
      counts = await ran();
    }
    assert.deepEqual(counts, ['1', '1', '1', '1', '1', '1', null, '1']);
    assert.deepEqual(await run(0, [['claimDue', key('completion'), Date.now(), 10]]), [[]], 'nothing due is left unclaimed');
  });
});

describe('createWorker and DurableObjectStore without a working Cloudflare setup', () => {
  test('a Durable Object that cannot be reached or fails makes StoreUnavailableError (money calls answer 503)', async () => {
    const unreachable = new DurableObjectStore({ idFromName: (name) => ({ toString: () => name }), get: () => ({ fetch: async () => Promise.reject(new Error('Network connection lost.')) }) });
    await assert.rejects(unreachable.create('k', 'v', 1000), StoreUnavailableError);
    const failing = new DurableObjectStore({ idFromName: (name) => ({ toString: () => name }), get: () => ({ fetch: async () => new Response('boom', { status: 500 }) }) });
    await assert.rejects(failing.get('k'), StoreUnavailableError);
  });

  test('missing secrets or Durable Object binding: 500 not_configured, the reason only in the log', async (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (line: string) => errors.push(line));
    const worker = createWorker();
    const request = () => new Request('https://shop.test/kfunnel/click', { method: 'POST', headers: { origin: 'https://shop.test' }, body: '{}' });
    const noSecrets = await worker.fetch(request(), { KFUNNEL_STORE: { idFromName() {}, get() {} } });
    assert.equal(noSecrets.status, 500);
    assert.equal((await noSecrets.json()).code, 'not_configured');
    const noBinding = await worker.fetch(request(), { KONNEKTIVE_LOGIN_ID: 'l', KONNEKTIVE_PASSWORD: 'p-secret' });
    const body = await noBinding.text();
    assert.equal(noBinding.status, 500);
    assert.doesNotMatch(body, /KFUNNEL_STORE|p-secret/);
    assert.match(errors[0] ?? '', /loginId and password are required/);
    assert.match(errors[1] ?? '', /no Durable Object binding "KFUNNEL_STORE"/);
  });

  test('options from the bindings: vars and secrets as configFromEnv reads them, Cloudflare defaults, code options win', () => {
    const namespace = { idFromName: (name: string) => ({ toString: () => name }), get: () => ({ fetch: async () => new Response('{}') }) };
    const env = { KONNEKTIVE_LOGIN_ID: 'l', KONNEKTIVE_PASSWORD: 'p', KFUNNEL_PUBLIC_URL: 'https://shop.test', KFUNNEL_MONEY_TIMEOUT_MS: '40000', KFUNNEL_STORE: namespace, ASSETS: {} };
    const options = proxyOptionsFromEnv(env);
    assert.equal(options.loginId, 'l');
    assert.deepEqual(options.publicOrigins, ['https://shop.test']);
    assert.equal(options.trustProxy, 'cloudflare');
    assert.ok(options.store instanceof DurableObjectStore);
    // A payment still running after the browser's 504 must finish within waitUntil's 30 s.
    assert.equal(options.settleTimeoutMs, 40_000 + 25_000);
    assert.equal(proxyOptionsFromEnv({ ...env, KFUNNEL_TRUST_PROXY: 'false' }, { campaignIds: ['9'], settleTimeoutMs: 50_000 }).settleTimeoutMs, 50_000);
    assert.equal(proxyOptionsFromEnv({ ...env, KFUNNEL_TRUST_PROXY: 'false' }).trustProxy, false);
  });

  test('paths outside the base path go to the static assets binding, untouched', async () => {
    const seen: string[] = [];
    const worker = createWorker();
    const response = await worker.fetch(new Request('https://shop.test/checkout.html'), {
      ASSETS: { fetch: async (request: Request) => (seen.push(request.url), new Response('<html>')) },
    });
    assert.equal(await response.text(), '<html>');
    assert.deepEqual(seen, ['https://shop.test/checkout.html']);
    assert.equal((await createWorker().fetch(new Request('https://shop.test/x'), {})).status, 404);
  });
});

test("the README's Cloudflare Workers section is the example the tests run, file for file", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('### Cloudflare Workers'), readme.indexOf('\n## ', readme.indexOf('### Cloudflare Workers')));
  assert.ok(section.includes('```js\n' + readFileSync('examples/cloudflare/src/worker.js', 'utf8') + '```'), 'src/worker.js as in examples/cloudflare');
  assert.ok(section.includes('```toml\n' + readFileSync('examples/cloudflare/wrangler.toml', 'utf8') + '```'), 'wrangler.toml as in examples/cloudflare');
});
