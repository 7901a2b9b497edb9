// npm run load: 40,000 requests of whole funnel visits (first click, later click, lead, order,
// upsale, confirm) on 100 connections, through the proxy to the sandbox, on loopback. Prints the
// throughput, latency, errors, duplicate charges and the memory of every server as the run goes.
//
// npm run load -- --redis: the same visits through two proxy instances sharing one redis-server,
// each visit's requests alternating between them (a load balancer without sticky sessions).
import { Agent } from 'node:http';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';
import { machine, writeSection } from './doc.js';
import { percentile, post, startChild, table, type Child, type Shot } from './lib.js';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 40_000);
const CONNECTIONS = 100;
const LOGIN = { KONNEKTIVE_LOGIN_ID: 'load-login', KONNEKTIVE_PASSWORD: 'load-password' };
/** The shop's public origin: every instance serves it (KFUNNEL_PUBLIC_URL), requests name it as Host and Origin. */
const SITE = 'http://shop.load.test';

/** One visitor's funnel; each step reads the ids (and the visitor cookie) from the answers before it. */
function visit(visitor: number) {
  const ids: Partial<Record<string, string>> = {};
  let cookie = '';
  const json = (path: string, body: Partial<Record<string, string>>, key?: string): Shot => ({
    path: `/kfunnel/${path}`,
    headers: {
      host: new URL(SITE).host,
      'content-type': 'application/json',
      origin: SITE,
      ...(cookie ? { cookie } : {}),
      ...(key ? { 'idempotency-key': `${key}-${visitor}-load` } : {}),
    },
    body: JSON.stringify({ campaignId: '3', ...body }),
  });
  const steps: Array<() => Shot> = [
    () => json('click', { pageType: 'presellPage', requestUri: `${SITE}/?affId=LOAD&c1=v${visitor}` }),
    () => json('click', { pageType: 'checkoutPage', sessionId: ids.sessionId }),
    () => json('lead', { sessionId: ids.sessionId, firstName: 'Load', lastName: `Visitor${visitor}`, emailAddress: `v${visitor}@load.test` }),
    () =>
      json(
        'order',
        { sessionId: ids.sessionId, orderId: ids.orderId, address1: '1 Load St', city: 'Austin', postalCode: '78701', country: 'US', product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' },
        'order',
      ),
    () => json('upsale', { sessionId: ids.sessionId, orderId: ids.orderId, productId: '10' }, 'upsale'),
    () => json('confirm', { orderId: ids.orderId }, 'confirm'),
  ];
  const remember = (body: string, cookies: string[]) => {
    Object.assign(ids, pickIds(body));
    // Like a browser: the visitor cookie from the first answer goes with every later request.
    const visitorCookie = cookies.map((c) => c.split(';', 1)[0] ?? '').find((c) => c.startsWith('kf_v='));
    if (visitorCookie && !cookie) cookie = visitorCookie;
  };
  return { steps, remember };
}

function pickIds(body: string): Record<string, string> {
  const message = JSON.parse(body).message ?? {};
  const out: Record<string, string> = {};
  if (message.sessionId) out.sessionId = message.sessionId;
  if (message.orderId) out.orderId = message.orderId;
  return out;
}

/**
 * Counts charges per order from the sandbox's own state. The sandbox keeps its newest 5,000 orders, so
 * it is read at every checkpoint too, and each order's highest counts are kept: every order is seen
 * after its visit ended.
 */
class ChargeAudit {
  private readonly orders = new Map<string, { status: string; sales: number; upsales: number; confirmations: number }>();

  async read(sandbox: Child): Promise<void> {
    const state = await (await fetch(`${sandbox.url}/_sandbox/state`)).json();
    for (const order of state.orders) {
      const approved = order.transactions.filter((t: any) => t.status === 'APPROVED');
      const seen = this.orders.get(order.orderId);
      const now = {
        status: order.orderStatus,
        sales: approved.filter((t: any) => t.type === 'SALE').length,
        upsales: approved.filter((t: any) => t.type === 'UPSALE').length,
        confirmations: order.confirmations,
      };
      this.orders.set(order.orderId, seen ? { status: now.status, sales: Math.max(seen.sales, now.sales), upsales: Math.max(seen.upsales, now.upsales), confirmations: Math.max(seen.confirmations, now.confirmations) } : now);
    }
  }

  /** Paid orders, and orders charged (or confirmed) more than once: a SALE twice, one upsale twice. */
  summary() {
    let paid = 0;
    let duplicates = 0;
    for (const order of this.orders.values()) {
      if (order.status === 'COMPLETE') paid++;
      if (order.sales > 1 || order.upsales > 1 || order.confirmations > 1) duplicates++;
    }
    return { paid, duplicates };
  }
}

export async function load(mode: 'single' | 'redis' = 'single') {
  const sandbox = await startChild('sandbox', LOGIN);
  let redis: RedisServer | undefined;
  const env: Record<string, string> = { ...LOGIN, KONNEKTIVE_API_URL: sandbox.url, KFUNNEL_PUBLIC_URL: SITE, KFUNNEL_CONFIRM_AFTER_MINUTES: '0' };
  if (mode === 'redis') {
    redis = await startRedis();
    env.KFUNNEL_REDIS_URL = redis.url;
    env.KFUNNEL_SECRET = 'load-shared-secret-1f3a';
  }
  const proxies = await Promise.all(Array.from({ length: mode === 'redis' ? 2 : 1 }, () => startChild('proxy', env)));
  try {
    const instances = proxies.map((p) => ({ base: new URL(p.url), agent: new Agent({ keepAlive: true, maxSockets: CONNECTIONS }) }));
    const latencies: number[] = [];
    const problems: Record<string, number> = {};
    const names = [...proxies.map((_, i) => (proxies.length > 1 ? `proxy ${String.fromCharCode(65 + i)}` : 'proxy')), 'sandbox'];
    const memory: string[][] = [['after requests', ...names.flatMap((n) => [`${n} heap MB`, `${n} RSS MB`]), ...(redis ? ['redis used MB'] : [])]];
    const sample = async (label: string) => {
      const shots = await Promise.all([...proxies, sandbox].map((c) => c.memory()));
      const row = [label, ...shots.flatMap((m) => [m.heapMB.toFixed(1), m.rssMB.toFixed(1)])];
      if (redis) row.push((Number(/used_memory:(\d+)/.exec(await redis.command('INFO', 'memory'))?.[1]) / 2 ** 20).toFixed(1));
      memory.push(row);
    };
    const audit = new ChargeAudit();
    await sample('0 (started)');
    let issued = 0;
    let visitors = 0;
    let turn = 0;
    const checkpoints = [0.25, 0.5, 0.75].map((f) => Math.floor(REQUESTS * f));
    const started = process.hrtime.bigint();
    async function worker() {
      while (issued < REQUESTS) {
        const { steps, remember } = visit(++visitors);
        for (const step of steps) {
          if (issued >= REQUESTS) return;
          const n = ++issued;
          if (checkpoints.includes(n)) await Promise.all([sample(String(n)), audit.read(sandbox)]);
          // Round robin over the instances, request by request: a visit's steps land on both.
          const { base, agent } = instances[turn++ % instances.length]!;
          const t0 = process.hrtime.bigint();
          try {
            const { status, body, cookies } = await post(base, agent, step());
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            if (status !== 200 || !body.includes('"SUCCESS"')) {
              const key = `HTTP ${status} ${body.slice(0, 80)}`;
              problems[key] = (problems[key] ?? 0) + 1;
              break; // this visitor cannot go on
            }
            remember(body, cookies);
          } catch (error) {
            problems[(error as Error).message] = (problems[(error as Error).message] ?? 0) + 1;
            break;
          }
        }
      }
    }
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await sample(`${REQUESTS} (done)`);
    await audit.read(sandbox);
    const charges = audit.summary();
    instances.forEach(({ agent }) => agent.destroy());
    latencies.sort((a, b) => a - b);
    const errors = Object.values(problems).reduce((a, b) => a + b, 0);
    const markdown = [
      table([
        ['requests', 'visits', 'instances', 'connections', 'errors', 'paid orders', 'duplicate charges', 'seconds', 'requests/s', 'p50 ms', 'p99 ms'],
        [
          String(latencies.length + errors),
          String(visitors),
          mode === 'redis' ? '2 + Redis' : '1 (memory)',
          String(CONNECTIONS),
          String(errors),
          String(charges.paid),
          String(charges.duplicates),
          seconds.toFixed(1),
          (REQUESTS / seconds).toFixed(0),
          percentile(latencies, 50).toFixed(2),
          percentile(latencies, 99).toFixed(2),
        ],
      ]),
      '',
      `Memory after a full garbage collection in each server${redis ? " (and Redis's used_memory)" : ''}, during the run:`,
      '',
      table(memory),
      '',
      redis
        ? "The proxies' heaps stay flat: their state is in Redis, whose used memory is those records (idempotency and paid-order records kept 24 hours, visitor grants 30 days)."
        : "The proxy's heap grows with the state it keeps in memory (idempotency and paid-order records, visitor grants; at most 100,000 entries).",
    ].join('\n');
    return { markdown, errors, problems, duplicates: charges.duplicates };
  } finally {
    // Every child goes, whatever happened: a failed run must not leave servers behind.
    proxies.forEach((p) => p.stop());
    sandbox.stop();
    await redis?.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv.includes('--redis') ? 'redis' : 'single';
  const { markdown, errors, problems, duplicates } = await load(mode);
  console.log(markdown);
  const title = mode === 'redis' ? '## npm run load -- --redis (two instances sharing Redis)' : '## npm run load';
  const command = mode === 'redis' ? '`npm run load -- --redis`' : '`npm run load`';
  writeSection(mode === 'redis' ? 'load-redis' : 'load', [title, '', `Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Command: ${command}.`, '', markdown].join('\n'));
  if (errors || duplicates) {
    console.error('errors:', problems, 'duplicate charges:', duplicates);
    process.exit(1);
  }
}

export type { Child };
