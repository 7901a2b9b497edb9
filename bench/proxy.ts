// npm run bench:proxy: the proxy's overhead. The same Import Click, 50 connections, 10,000 requests a
// run: straight to the sandbox, through a bare forwarder (the floor: bench/bare-forwarder.ts), and
// through the proxy, on loopback, the three taking turns three times. The proxy's requests carry a
// visitor cookie, as a browser's do. Then orders, also in turns: each shopper (its own visitor cookie
// and a fresh Idempotency-Key) sends a checkout without an orderId, so the proxy makes the lead,
// grants it to the visitor, and sends the order under its exactly-once lease; directly, the same two
// calls (lead, then the order with its orderId).
import { drive, startChild, table, type RunResult } from './lib.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const LOGIN = { KONNEKTIVE_LOGIN_ID: 'bench-login', KONNEKTIVE_PASSWORD: 'bench-password' };
const SESSION = 'b'.repeat(32);
const ORDERS = Math.max(200, Math.round(REQUESTS / 5));
const SHOPPER = { firstName: 'Bench', lastName: 'Shopper', emailAddress: 'bench@shop.test', phoneNumber: '5125550100', address1: '1 Bench St', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };
const PAYMENT = { product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };

export async function benchProxy(): Promise<{ direct: RunResult; proxied: RunResult; markdown: string; problems: Record<string, number> }> {
  const sandbox = await startChild('sandbox', LOGIN);
  const proxy = await startChild('proxy', { ...LOGIN, KONNEKTIVE_API_URL: sandbox.url });
  const bare = await startChild('bare', { ...LOGIN, KONNEKTIVE_API_URL: sandbox.url });
  const success = (status: number, body: string) => (status === 200 && body.includes('"SUCCESS"') ? undefined : `HTTP ${status} ${body.slice(0, 60)}`);
  const form = `loginId=${LOGIN.KONNEKTIVE_LOGIN_ID}&password=${LOGIN.KONNEKTIVE_PASSWORD}&pageType=checkoutPage&campaignId=3&sessionId=${SESSION}`;
  const json = JSON.stringify({ pageType: 'checkoutPage', campaignId: '3', sessionId: SESSION });
  const toSandbox = () => ({ path: '/landers/clicks/import/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  // Each connection is one visitor with its own cookie, as browsers are.
  const toProxy = (i: number) => ({ path: '/kfunnel/click', headers: { 'content-type': 'application/json', origin: proxy.url, cookie: `kf_v=BenchVisitor${String(i % CONNECTIONS).padStart(10, '0')}` }, body: json });
  const toBare = () => ({ path: '/kfunnel/click', headers: { 'content-type': 'application/json' }, body: json });
  const paid = (status: number, body: string) => (status === 200 && body.includes('"SUCCESS"') && body.includes('"COMPLETE"') ? undefined : `HTTP ${status} ${body.slice(0, 80)}`);
  const form2 = (fields: Record<string, string>) => new URLSearchParams({ ...fields, loginId: LOGIN.KONNEKTIVE_LOGIN_ID, password: LOGIN.KONNEKTIVE_PASSWORD }).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  // Directly, each connection alternates: a lead, then the order for the orderId that lead returned.
  const orderDirect = (_i: number, previous?: string) => {
    const orderId = previous && !previous.includes('"COMPLETE"') ? (JSON.parse(previous) as { message?: { orderId?: string } }).message?.orderId : undefined;
    return orderId
      ? { path: '/order/import/', headers: formHeaders, body: form2({ campaignId: '3', orderId, ...PAYMENT }) }
      : { path: '/leads/import/', headers: formHeaders, body: form2({ campaignId: '3', ...SHOPPER }) };
  };
  const orderCheck = (status: number, body: string) => (body.includes('"orderId"') ? success(status, body) : `HTTP ${status} ${body.slice(0, 80)}`);
  // Through the proxy, one request per order: every shopper is a new visitor with a fresh key.
  let run = 0;
  const orderProxied = (i: number) => ({
    path: '/kfunnel/order',
    headers: { 'content-type': 'application/json', origin: proxy.url, cookie: `kf_v=BenchShopper${String(run * 10_000_000 + i).padStart(10, "0")}`, 'idempotency-key': `bench-order-${run}-${i}` },
    body: JSON.stringify({ campaignId: '3', ...SHOPPER, ...PAYMENT }),
  });
  type Measured = Awaited<ReturnType<typeof measured>>;
  /** The run with the median throughput, with the median CPU per request of all runs. */
  const median = (all: Measured[]): Measured => {
    const middle = <T,>(values: T[], by: (v: T) => number) => [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;
    return { ...middle(all, (m) => m.result.rps), proxyUs: middle(all, (m) => m.proxyUs).proxyUs, sandboxUs: middle(all, (m) => m.sandboxUs).sandboxUs };
  };
  /** CPU time each server process spent per request (or per `per` units) during a run. */
  async function measured(run: () => Promise<RunResult>, server = proxy, per?: number) {
    const [s0, p0] = [await sandbox.cpu(), await server.cpu()];
    const result = await run();
    const [s1, p1] = [await sandbox.cpu(), await server.cpu()];
    const count = per ?? result.requests;
    return { result, sandboxUs: ((s1 - s0) * 1000) / count, proxyUs: ((p1 - p0) * 1000) / count };
  }
  try {
    // Warm every path (JIT, connection pools) before measuring.
    await drive(sandbox.url, 3000, CONNECTIONS, toSandbox);
    await drive(bare.url, 3000, CONNECTIONS, toBare);
    await drive(proxy.url, 3000, CONNECTIONS, toProxy);
    await drive(sandbox.url, 1000, CONNECTIONS, orderDirect, orderCheck);
    await drive(proxy.url, 500, CONNECTIONS, orderProxied, paid);
    run++;
    // The three click paths take turns, ROUNDS times, and each row is its median run: on a shared
    // machine the speed drifts between runs, and turns put each path through the same drift.
    const runs: Record<'direct' | 'floor' | 'proxied', Measured[]> = { direct: [], floor: [], proxied: [] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.direct.push(await measured(() => drive(sandbox.url, REQUESTS, CONNECTIONS, toSandbox, success)));
      runs.floor.push(await measured(() => drive(bare.url, REQUESTS, CONNECTIONS, toBare, success), bare));
      runs.proxied.push(await measured(() => drive(proxy.url, REQUESTS, CONNECTIONS, toProxy, success)));
    }
    const [direct, floor, proxied] = [median(runs.direct), median(runs.floor), median(runs.proxied)];
    // Orders, in turns too: directly two requests each (lead + order), through the proxy one (every
    // turn with new shoppers and keys, so nothing is a replay).
    const orderRuns: Record<'direct' | 'proxied', Measured[]> = { direct: [], proxied: [] };
    for (let round = 0; round < ROUNDS; round++) {
      orderRuns.direct.push(await measured(() => drive(sandbox.url, 2 * ORDERS, CONNECTIONS, orderDirect, orderCheck), sandbox, ORDERS));
      orderRuns.proxied.push(await measured(() => drive(proxy.url, ORDERS, CONNECTIONS, orderProxied, paid)));
      run++;
    }
    const [ordersDirect, ordersProxied] = [median(orderRuns.direct), median(orderRuns.proxied)];
    // One request at a time: the latency one hop through the proxy adds when nothing queues.
    const idleDirect = await drive(sandbox.url, 2000, 1, toSandbox, success);
    const idleProxied = await drive(proxy.url, 2000, 1, toProxy, success);
    const idleOrdersDirect = await drive(sandbox.url, 400, 1, orderDirect, orderCheck);
    const idleOrdersProxied = await drive(proxy.url, 200, 1, orderProxied, paid);
    const orderRps = (r: RunResult, calls: number) => (r.rps / calls).toFixed(0);
    const row = (name: string, r: RunResult, cpu: string) => [name, String(r.requests), String(r.errors), r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), cpu];
    const markdown = [
      table([
        [`path (50 connections; median of ${ROUNDS} turns)`, 'requests', 'errors', 'requests/s', 'p50 ms', 'p99 ms', 'server CPU per request'],
        row('sandbox direct', direct.result, `sandbox ${direct.sandboxUs.toFixed(0)} µs`),
        row('bare forwarder -> sandbox', floor.result, `forwarder ${floor.proxyUs.toFixed(0)} µs + sandbox ${floor.sandboxUs.toFixed(0)} µs`),
        row('proxy -> sandbox', proxied.result, `proxy ${proxied.proxyUs.toFixed(0)} µs + sandbox ${proxied.sandboxUs.toFixed(0)} µs`),
        row('sandbox direct, 1 connection', idleDirect, ''),
        row('proxy -> sandbox, 1 connection', idleProxied, ''),
      ]),
      '',
      table([
        [`order (lead + order), 50 connections; median of ${ROUNDS} turns`, 'orders', 'errors', 'orders/s', 'p50 ms', 'p99 ms', 'server CPU per order'],
        [`sandbox direct (2 requests)`, String(ORDERS), String(ordersDirect.result.errors), orderRps(ordersDirect.result, 2), ordersDirect.result.p50.toFixed(2), ordersDirect.result.p99.toFixed(2), `sandbox ${ordersDirect.sandboxUs.toFixed(0)} µs`],
        ['proxy -> sandbox (1 request)', String(ORDERS), String(ordersProxied.result.errors), orderRps(ordersProxied.result, 1), ordersProxied.result.p50.toFixed(2), ordersProxied.result.p99.toFixed(2), `proxy ${ordersProxied.proxyUs.toFixed(0)} µs + sandbox ${ordersProxied.sandboxUs.toFixed(0)} µs`],
        [`sandbox direct, 1 connection`, String(idleOrdersDirect.requests / 2), String(idleOrdersDirect.errors), orderRps(idleOrdersDirect, 2), (idleOrdersDirect.p50 * 2).toFixed(2), '', ''],
        ['proxy -> sandbox, 1 connection', String(idleOrdersProxied.requests), String(idleOrdersProxied.errors), orderRps(idleOrdersProxied, 1), idleOrdersProxied.p50.toFixed(2), idleOrdersProxied.p99.toFixed(2), ''],
      ]),
      '',
      `Throughput through the proxy: ${((proxied.result.rps / direct.result.rps) * 100).toFixed(0)}% of direct (goal: at least 70%; the bare forwarder keeps ${((floor.result.rps / direct.result.rps) * 100).toFixed(0)}%). ` +
        `CPU per request: ${(proxied.proxyUs / floor.proxyUs).toFixed(2)}x the bare forwarder's (goal: at most 2x). ` +
        `Added latency at p50: ${(proxied.result.p50 - direct.result.p50).toFixed(2)} ms under 50 connections, ` +
        `${(idleProxied.p50 - idleDirect.p50).toFixed(2)} ms one request at a time (goal: under 1 ms).`,
      '',
      `Orders through the proxy: ${((ordersProxied.result.rps / (ordersDirect.result.rps / 2)) * 100).toFixed(0)}% of direct orders/s; ` +
        `added latency one order at a time: ${(idleOrdersProxied.p50 - 2 * idleOrdersDirect.p50).toFixed(2)} ms at p50 over the two direct calls ` +
        `(the proxy adds the visitor's grant, the key's lease and record in the store, the fingerprint and a signed hand-off).`,
    ].join('\n');
    // Every run's failures, not only the median's.
    const all = [...runs.direct, ...runs.floor, ...runs.proxied, ...orderRuns.direct, ...orderRuns.proxied].map((m) => m.result);
    const problems = Object.assign({}, ...[...all, idleDirect, idleProxied, idleOrdersDirect, idleOrdersProxied].map((r) => r.problems)) as Record<string, number>;
    return { direct: direct.result, proxied: proxied.result, markdown, problems };
  } finally {
    proxy.stop();
    bare.stop();
    sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { markdown, problems } = await benchProxy();
  console.log(markdown);
  if (Object.keys(problems).length) {
    console.error('errors:', problems);
    process.exit(1);
  }
}
