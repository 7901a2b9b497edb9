// npm run bench:pair -- <tree>:<kind> <tree>:<kind>: two servers under the same click load at the same
// time (kind: proxy, bare or sandbox's own trees' `bench/server.ts` kinds), their CPU per request compared
// round by round. On a machine whose speed drifts between runs (this VM's moves by a third), runs taken
// one after the other cannot resolve a 10% change; two servers sharing the same moments can (a server
// against itself: ratio 0.99). Example, this tree against a checkout of main:
//   git worktree add ../base main && npm run bench:pair -- ../base:proxy .:proxy
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { drive, startChild } from './lib.js';

const LOGIN = { KONNEKTIVE_LOGIN_ID: 'bench-login', KONNEKTIVE_PASSWORD: 'bench-password' };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 6000);
const CONNECTIONS = 25;

const specs = process.argv.slice(2);
if (specs.length !== 2) {
  console.error('usage: npm run bench:pair -- <tree>:<kind> <tree>:<kind>   (kind: proxy or bare)');
  process.exit(2);
}
const sandbox = await startChild('sandbox', LOGIN);

async function start(spec: string) {
  const [tree = '.', kind = 'proxy'] = spec.split(':');
  const dir = resolve(tree);
  const child = fork(`${dir}/bench/server.ts`, [kind], {
    execArgv: ['--import', `${dir}/scripts/register-ts.mjs`],
    env: { ...process.env, ...LOGIN, KONNEKTIVE_API_URL: sandbox.url },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((done) => child.once('message', (m: { url: string }) => done(m.url)));
  const cpu = () => new Promise<number>((done) => (child.once('message', (m: { cpuMs: number }) => done(m.cpuMs)), child.send('cpu')));
  return { url, child, cpu };
}

const servers = [await start(specs[0]!), await start(specs[1]!)];
const body = JSON.stringify({ pageType: 'checkoutPage', campaignId: '3', sessionId: 'b'.repeat(32) });
const clicks = (url: string) => (i: number) => ({ path: '/kfunnel/click', headers: { 'content-type': 'application/json', origin: url, cookie: `kf_v=BenchVisitor${String(i % CONNECTIONS).padStart(10, '0')}` }, body });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
try {
  await Promise.all(servers.map((s) => drive(s.url, 3000, CONNECTIONS, clicks(s.url))));
  const perRequest: [number[], number[]] = [[], []];
  for (let round = 0; round < ROUNDS; round++) {
    const before = await Promise.all(servers.map((s) => s.cpu()));
    const runs = await Promise.all(servers.map((s) => drive(s.url, REQUESTS, CONNECTIONS, clicks(s.url))));
    const after = await Promise.all(servers.map((s) => s.cpu()));
    if (runs.some((r) => r.errors)) throw new Error(`errors: ${JSON.stringify(runs.map((r) => r.problems))}`);
    const us = [0, 1].map((i) => ((after[i]! - before[i]!) * 1000) / REQUESTS) as [number, number];
    perRequest[0].push(us[0]);
    perRequest[1].push(us[1]);
    console.log(`round ${round + 1}: ${specs[0]} ${us[0].toFixed(0)} µs, ${specs[1]} ${us[1].toFixed(0)} µs, ratio ${(us[1] / us[0]).toFixed(3)}`);
  }
  const [a, b] = [median(perRequest[0]), median(perRequest[1])];
  console.log(`median CPU per click: ${specs[0]} ${a.toFixed(0)} µs, ${specs[1]} ${b.toFixed(0)} µs, ratio ${(b / a).toFixed(3)}`);
} finally {
  for (const s of servers) s.child.kill();
  sandbox.stop();
}
