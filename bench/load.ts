// npm run load: 40,000 requests of whole funnel visits (first click, later click, lead, order,
// upsale, confirm) on 100 connections, through the proxy to the sandbox, on loopback. Prints the
// throughput, latency, errors and the memory of both servers as the run goes.
import { Agent } from 'node:http';
import { machine, writeSection } from './doc.js';
import { percentile, post, startChild, table, type Child, type Shot } from './lib.js';

const REQUESTS = Number(process.env.LOAD_REQUESTS ?? 40_000);
const CONNECTIONS = 100;
const LOGIN = { KONNEKTIVE_LOGIN_ID: 'load-login', KONNEKTIVE_PASSWORD: 'load-password' };

/** One visitor's funnel; each step reads the ids from the answers before it. */
function visit(origin: string, visitor: number) {
  const ids: Record<string, string> = {};
  const json = (path: string, body: Record<string, string>, key?: string): Shot => ({
    path: `/kfunnel/${path}`,
    headers: { 'content-type': 'application/json', origin, ...(key ? { 'idempotency-key': `${key}-${visitor}-load` } : {}) },
    body: JSON.stringify({ campaignId: '3', ...body }),
  });
  const steps: Array<() => Shot> = [
    () => json('click', { pageType: 'presellPage', requestUri: `${origin}/?affId=LOAD&c1=v${visitor}` }),
    () => json('click', { pageType: 'checkoutPage', sessionId: ids.sessionId }),
    () => json('lead', { sessionId: ids.sessionId, firstName: 'Load', lastName: `Visitor${visitor}`, emailAddress: `v${visitor}@load.test` }),
    () =>
      json(
        'order',
        { sessionId: ids.sessionId, orderId: ids.orderId, address1: '1 Load St', city: 'Austin', postalCode: '78701', country: 'US', product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' },
        'order',
      ),
    () => json('upsale', { sessionId: ids.sessionId, orderId: ids.orderId, productId: '10' }, 'upsale'),
    () => json('confirm', { orderId: ids.orderId }),
  ];
  return { steps, remember: (body: string) => Object.assign(ids, pickIds(body)) };
}

function pickIds(body: string): Record<string, string> {
  const message = JSON.parse(body).message ?? {};
  const out: Record<string, string> = {};
  if (message.sessionId) out.sessionId = message.sessionId;
  if (message.orderId) out.orderId = message.orderId;
  return out;
}

export async function load() {
  const sandbox = await startChild('sandbox', LOGIN);
  const proxy = await startChild('proxy', { ...LOGIN, KONNEKTIVE_API_URL: sandbox.url });
  const base = new URL(proxy.url);
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies: number[] = [];
  const problems: Record<string, number> = {};
  const memory: string[][] = [['after requests', 'proxy heap MB', 'proxy RSS MB', 'sandbox heap MB', 'sandbox RSS MB']];
  const sample = async (label: string) => {
    const [p, s] = await Promise.all([proxy.memory(), sandbox.memory()]);
    memory.push([label, p.heapMB.toFixed(1), p.rssMB.toFixed(1), s.heapMB.toFixed(1), s.rssMB.toFixed(1)]);
  };
  await sample('0 (started)');
  let issued = 0;
  let visitors = 0;
  const checkpoints = [0.25, 0.5, 0.75].map((f) => Math.floor(REQUESTS * f));
  const started = process.hrtime.bigint();
  async function worker() {
    while (issued < REQUESTS) {
      const { steps, remember } = visit(proxy.url, ++visitors);
      for (const step of steps) {
        if (issued >= REQUESTS) return;
        const n = ++issued;
        if (checkpoints.includes(n)) await sample(String(n));
        const t0 = process.hrtime.bigint();
        try {
          const { status, body } = await post(base, agent, step());
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (status !== 200 || !body.includes('"SUCCESS"')) {
            const key = `HTTP ${status} ${body.slice(0, 80)}`;
            problems[key] = (problems[key] ?? 0) + 1;
            break; // this visitor cannot go on
          }
          remember(body);
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
  agent.destroy();
  proxy.stop();
  sandbox.stop();
  latencies.sort((a, b) => a - b);
  const errors = Object.values(problems).reduce((a, b) => a + b, 0);
  const markdown = [
    table([
      ['requests', 'visits', 'connections', 'errors', 'seconds', 'requests/s', 'p50 ms', 'p99 ms'],
      [String(latencies.length + errors), String(visitors), String(CONNECTIONS), String(errors), seconds.toFixed(1), (REQUESTS / seconds).toFixed(0), percentile(latencies, 50).toFixed(2), percentile(latencies, 99).toFixed(2)],
    ]),
    '',
    'Memory after a full garbage collection in each server, during the run:',
    '',
    table(memory),
  ].join('\n');
  return { markdown, errors, problems };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { markdown, errors, problems } = await load();
  console.log(markdown);
  writeSection('load', [`## npm run load`, '', `Run on ${new Date().toISOString().slice(0, 10)}: ${machine()}. Command: \`npm run load\`.`, '', markdown].join('\n'));
  if (errors) {
    console.error('errors:', problems);
    process.exit(1);
  }
}

export type { Child };
