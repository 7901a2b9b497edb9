/**
 * Several `kfunnel serve` processes sharing one real redis-server and one sandbox, behind a tiny
 * round-robin front on loopback that forwards each request, Host header untouched, to the next instance.
 * What a merchant runs behind a load balancer, small enough to start per test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandboxServer, type SandboxServer } from '../src/sandbox/index.js';
import { startRedis, type RedisServer } from '../test/helpers/redis.js';

export const LOGIN = { KONNEKTIVE_LOGIN_ID: 'kf-cluster-login-8Hd', KONNEKTIVE_PASSWORD: 'cluster-Pa55-3vQ' };

export interface Instance {
  index: number;
  /** http://127.0.0.1:PORT, the instance itself (requests to it still name the front as Host). */
  url: string;
  port: number;
  child: ChildProcess;
  /** Parsed JSON request-log lines, in order. */
  log: Array<Record<string, any>>;
  /** Everything it wrote to stderr (the store's transition lines). */
  stderr: string;
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Front {
  url: string;
  host: string;
  /** Which instance served each request, in order. */
  served: Array<{ method: string; path: string; instance: number }>;
  /** Overrides the choice of instance for a request (return undefined for round robin). */
  route?: (req: IncomingMessage) => number | undefined;
}

export interface Cluster {
  redis: RedisServer;
  sandbox: SandboxServer;
  instances: Instance[];
  front: Front;
  /** The sandbox's API calls, oldest first, optionally of one endpoint. */
  calls(endpoint?: string): any[];
  state(): any;
  close(): Promise<void>;
}

export interface ClusterOptions {
  instances?: number;
  env?: Record<string, string>;
  /** Extra redis-server arguments (persistence for the restart test). */
  redisArgs?: string[];
}

function startInstance(index: number, env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['dist/cli.js', 'serve', '--port', '0', '--host', '127.0.0.1', '--root', 'demo-landers', '--csp'], {
    env: { ...process.env, PORT: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const instance: Partial<Instance> & { log: Instance['log'] } = { index, child, log: [], stderr: '' };
  instance.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  instance.kill = async (signal = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await instance.exited;
  };
  child.stderr!.on('data', (chunk) => (instance.stderr += chunk));
  return new Promise((resolve, reject) => {
    let buffered = '';
    let banner = '';
    child.once('exit', (code) => reject(new Error(`instance ${index} exited (${code}): ${banner}${instance.stderr}`)));
    child.stdout!.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('{')) {
          try {
            instance.log.push(JSON.parse(line));
          } catch {
            // not a log line
          }
          continue;
        }
        banner += line + '\n';
        const state = /State:\s+(.*)/.exec(line);
        if (state) {
          const port = Number(/Landers:\s+http:\/\/[^:]+:(\d+)/.exec(banner)?.[1]);
          if (!state[1].startsWith('Redis at')) return reject(new Error(`instance ${index} does not use Redis: ${banner}`));
          // The same object the output handlers keep writing to, so stderr stays current.
          resolve(Object.assign(instance, { port, url: `http://127.0.0.1:${port}` }) as Instance);
        }
      }
    });
  });
}

function startFront(instances: () => Instance[]): Promise<Front & { server: Server }> {
  const counters = { page: 0, api: 0, other: 0 };
  const front: Partial<Front> & { served: Front['served'] } = { served: [] };
  const server = createServer((req, res) => {
    const list = instances();
    const kind = req.headers['sec-fetch-dest'] === 'document' ? 'page' : req.url?.startsWith('/kfunnel/') ? 'api' : 'other';
    // Pages, API calls and the rest each go round the instances: consecutive pages land on different
    // ones, and so do consecutive API calls, whatever assets load in between.
    const choice = front.route?.(req) ?? counters[kind]++ % list.length;
    const target = list[choice];
    front.served.push({ method: req.method ?? '', path: req.url ?? '', instance: choice });
    const upstream = request(
      { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      // What a load balancer answers when the instance died mid-request.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
      else res.destroy();
    });
    req.pipe(upstream);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      Object.assign(front, { url: `http://localhost:${port}`, host: `localhost:${port}`, server });
      resolve(front as Front & { server: Server });
    });
  });
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const redis = await startRedis(options.redisArgs);
  const sandbox = await startSandboxServer({ loginId: LOGIN.KONNEKTIVE_LOGIN_ID, password: LOGIN.KONNEKTIVE_PASSWORD });
  const instances: Instance[] = [];
  const front = await startFront(() => instances);
  const env = {
    ...LOGIN,
    KONNEKTIVE_API_URL: sandbox.url,
    KFUNNEL_REDIS_URL: redis.url,
    KFUNNEL_REDIS_PREFIX: 'e2e:',
    // One secret for all: return links and hand-offs signed by one instance verify on the others.
    KFUNNEL_SECRET: 'cluster-secret-4f9a0c2e7b1d',
    KFUNNEL_PUBLIC_URL: front.url,
    KFUNNEL_RATE_LIMIT: '0',
    // Long enough that a loaded machine does not turn a charge into a timeout; short enough for retries.
    KFUNNEL_TIMEOUT_MS: '4000',
    KFUNNEL_MONEY_TIMEOUT_MS: '6000',
    KFUNNEL_LEASE_MS: '1500',
    ...options.env,
  };
  instances.push(...(await Promise.all(Array.from({ length: options.instances ?? 3 }, (_, i) => startInstance(i, env)))));
  return {
    redis,
    sandbox,
    instances,
    front,
    calls: (endpoint) => [...sandbox.sandbox.state().calls].reverse().filter((c: any) => !endpoint || c.endpoint === endpoint),
    state: () => sandbox.sandbox.state(),
    close: async () => {
      await Promise.all(instances.map((i) => i.kill('SIGKILL')));
      await new Promise<void>((done) => {
        front.server.close(() => done());
        front.server.closeAllConnections();
      });
      await sandbox.close();
      await redis.stop();
    },
  };
}

/** One API call as a browser on the front's origin makes it, sent to one instance (or the front). */
export interface Visitor {
  cookie?: string;
}

export async function api(
  cluster: Cluster,
  target: number | 'front',
  route: string,
  body: Record<string, string>,
  options: { visitor?: Visitor; key?: string } = {},
): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
  const port = target === 'front' ? Number(new URL(cluster.front.url).port) : cluster.instances[target].port;
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    host: cluster.front.host,
    origin: cluster.front.url,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  };
  if (options.key) headers['idempotency-key'] = options.key;
  if (options.visitor?.cookie) headers.cookie = options.visitor.cookie;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: `/kfunnel/${route}`, headers, agent: false }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (raw += chunk));
      res.on('end', () => {
        // Like a browser: keep the visitor cookie from the first answer that sets it.
        const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).find((c) => c.startsWith('kf_v='));
        if (cookie && options.visitor && !options.visitor.cookie) options.visitor.cookie = cookie;
        let parsed: any = raw;
        try {
          parsed = JSON.parse(raw);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, headers: res.headers });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

export const ORDER_FIELDS = {
  address1: '1 Cluster Way',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  country: 'US',
  product1_id: '2',
  cardNumber: '4111111111111111',
  cardMonth: '12',
  cardYear: '2031',
  cardSecurityCode: '123',
};

/** A visitor with a click and a lead (on the given instances): the cookie, sessionId and orderId. */
export async function leadVisitor(cluster: Cluster, on: [number, number], email = `v${Math.random().toString(36).slice(2, 8)}@cluster.test`) {
  const visitor: Visitor = {};
  const click = await api(cluster, on[0], 'click', { pageType: 'checkoutPage', campaignId: '3', requestUri: `${cluster.front.url}/checkout.html` }, { visitor });
  if (click.status !== 200) throw new Error(`click: ${click.status} ${JSON.stringify(click.body)}`);
  const sessionId = click.body.message.sessionId as string;
  const lead = await api(cluster, on[1], 'lead', { campaignId: '3', sessionId, firstName: 'Clu', lastName: 'Ster', emailAddress: email }, { visitor });
  if (lead.status !== 200) throw new Error(`lead: ${lead.status} ${JSON.stringify(lead.body)}`);
  return { visitor, sessionId, orderId: lead.body.message.orderId as string, email };
}

/** Polls until check() holds; the definite signal a test waits for instead of a fixed sleep. */
export async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
