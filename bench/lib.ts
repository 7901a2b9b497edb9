import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';

export interface Shot {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface RunResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx statuses, or answers that were not Konnektive SUCCESS, by kind. */
  problems: Record<string, number>;
}

/** One POST over a keep-alive agent; resolves with the status and body text. */
export function post(base: URL, agent: Agent, shot: Shot): Promise<{ status: number; body: string; cookies: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: base.hostname, port: base.port, method: 'POST', path: shot.path, agent, headers: { ...shot.headers, 'content-length': Buffer.byteLength(shot.body) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, cookies: res.headers['set-cookie'] ?? [] }));
      },
    );
    req.on('error', reject);
    req.end(shot.body);
  });
}

// NaN for no samples: the table shows it rather than a made-up zero.
export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/**
 * Sends `total` requests over `connections` keep-alive connections, each connection one request at a
 * time, like `wrk`. `next(i)` returns the i-th request; `check` says whether an answer is right.
 */
export async function drive(
  base: string,
  total: number,
  connections: number,
  next: (i: number, previous?: string) => Shot,
  check: (status: number, body: string) => string | undefined = (status) => (status === 200 ? undefined : `HTTP ${status}`),
): Promise<RunResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  const problems: Record<string, number> = {};
  let issued = 0;
  const started = process.hrtime.bigint();
  const one = (shot: Shot) => post(url, agent, shot);
  async function worker() {
    let previous: string | undefined;
    while (issued < total) {
      const i = issued++;
      const shot = next(i, previous);
      const t0 = process.hrtime.bigint();
      try {
        const { status, body } = await one(shot);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        const problem = check(status, body);
        if (problem) problems[problem] = (problems[problem] ?? 0) + 1;
        previous = body;
      } catch (error) {
        problems[(error as Error).message] = (problems[(error as Error).message] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: connections }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: total,
    errors: Object.values(problems).reduce((a, b) => a + b, 0),
    seconds,
    rps: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    problems,
  };
}

export interface Child {
  url: string;
  process: ChildProcess;
  /** Heap and RSS in MB, after a full garbage collection in the child. */
  memory(): Promise<{ heapMB: number; rssMB: number }>;
  /** CPU time the child has used so far, in ms. */
  cpu(): Promise<number>;
  stop(): void;
}

/** Starts bench/server.ts in its own process (so the load generator does not share its CPU). */
export function startChild(kind: 'sandbox' | 'proxy' | 'bare', env: Record<string, string> = {}): Promise<Child> {
  const child = fork(new URL('./server.ts', import.meta.url).pathname, [kind], {
    execArgv: ['--expose-gc', '--import', new URL('../scripts/register-ts.mjs', import.meta.url).pathname],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (message: any) =>
      resolve({
        url: message.url,
        process: child,
        memory: () =>
          new Promise((done) => {
            child.once('message', (reply: any) => done(reply));
            child.send('memory');
          }),
        cpu: () =>
          new Promise((done) => {
            child.once('message', (reply: any) => done(reply.cpuMs));
            child.send('cpu');
          }),
        stop: () => child.kill(),
      }),
    );
  });
}

export const table = (rows: string[][]) => {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => r[c]?.length ?? 0)));
  return rows.map((r) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`).join('\n').replace(/\n/, `\n| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |\n`);
};
