// npm run bench:proxy: the proxy's overhead. The same Import Click, 50 connections, 10,000 requests
// each: straight to the sandbox, through a bare forwarder (the floor: bench/bare-forwarder.ts), and
// through the proxy, on loopback. The proxy's requests carry a visitor cookie, as a browser's do.
import { drive, startChild, table, type RunResult } from './lib.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const CONNECTIONS = 50;
const LOGIN = { KONNEKTIVE_LOGIN_ID: 'bench-login', KONNEKTIVE_PASSWORD: 'bench-password' };
const SESSION = 'b'.repeat(32);

export async function benchProxy(): Promise<{ direct: RunResult; proxied: RunResult; markdown: string }> {
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
  /** CPU time each server process spent per request during a run. */
  async function measured(run: () => Promise<RunResult>, server = proxy) {
    const [s0, p0] = [await sandbox.cpu(), await server.cpu()];
    const result = await run();
    const [s1, p1] = [await sandbox.cpu(), await server.cpu()];
    return { result, sandboxUs: ((s1 - s0) * 1000) / result.requests, proxyUs: ((p1 - p0) * 1000) / result.requests };
  }
  try {
    // Warm every path (JIT, connection pools) before measuring.
    await drive(sandbox.url, 3000, CONNECTIONS, toSandbox);
    await drive(bare.url, 3000, CONNECTIONS, toBare);
    await drive(proxy.url, 3000, CONNECTIONS, toProxy);
    const direct = await measured(() => drive(sandbox.url, REQUESTS, CONNECTIONS, toSandbox, success));
    const floor = await measured(() => drive(bare.url, REQUESTS, CONNECTIONS, toBare, success), bare);
    const proxied = await measured(() => drive(proxy.url, REQUESTS, CONNECTIONS, toProxy, success));
    // One request at a time: the latency one hop through the proxy adds when nothing queues.
    const idleDirect = await drive(sandbox.url, 2000, 1, toSandbox, success);
    const idleProxied = await drive(proxy.url, 2000, 1, toProxy, success);
    const row = (name: string, r: RunResult, cpu: string) => [name, String(r.requests), String(r.errors), r.rps.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), cpu];
    const markdown = [
      table([
        ['path (50 connections)', 'requests', 'errors', 'requests/s', 'p50 ms', 'p99 ms', 'server CPU per request'],
        row('sandbox direct', direct.result, `sandbox ${direct.sandboxUs.toFixed(0)} µs`),
        row('bare forwarder -> sandbox', floor.result, `forwarder ${floor.proxyUs.toFixed(0)} µs + sandbox ${floor.sandboxUs.toFixed(0)} µs`),
        row('proxy -> sandbox', proxied.result, `proxy ${proxied.proxyUs.toFixed(0)} µs + sandbox ${proxied.sandboxUs.toFixed(0)} µs`),
        row('sandbox direct, 1 connection', idleDirect, ''),
        row('proxy -> sandbox, 1 connection', idleProxied, ''),
      ]),
      '',
      `Throughput through the proxy: ${((proxied.result.rps / direct.result.rps) * 100).toFixed(0)}% of direct (goal: at least 70%; the bare forwarder keeps ${((floor.result.rps / direct.result.rps) * 100).toFixed(0)}%). ` +
        `CPU per request: ${(proxied.proxyUs / floor.proxyUs).toFixed(2)}x the bare forwarder's (goal: at most 2x). ` +
        `Added latency at p50: ${(proxied.result.p50 - direct.result.p50).toFixed(2)} ms under 50 connections, ` +
        `${(idleProxied.p50 - idleDirect.p50).toFixed(2)} ms one request at a time (goal: under 1 ms).`,
    ].join('\n');
    return { direct: direct.result, proxied: proxied.result, markdown };
  } finally {
    proxy.stop();
    bare.stop();
    sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { markdown, direct, proxied } = await benchProxy();
  console.log(markdown);
  if (direct.errors || proxied.errors) {
    console.error('errors:', direct.problems, proxied.problems);
    process.exit(1);
  }
}
