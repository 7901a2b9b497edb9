/**
 * A real redis-server for tests: started on a free loopback port with no persistence, ready once it
 * answers PING, stopped after. `restart()` brings it back on the same port (empty, as after a crash
 * without persistence), for the outage tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? 'redis-server';

export interface RedisServer {
  port: number;
  url: string;
  /** Kills the server (SIGKILL: a crash, nothing flushed) and waits for it to be gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port and waits for PING. */
  start(): Promise<void>;
  /** One command over a raw connection (inline protocol), for checks in tests. */
  command(...args: string[]): Promise<string>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether a raw RESP reply has fully arrived (simple values, bulk strings, arrays of bulk strings). */
function complete(reply: string): boolean {
  let at = 0;
  const value = (): boolean => {
    const end = reply.indexOf('\r\n', at);
    if (end < 0) return false;
    const head = reply.slice(at, end);
    at = end + 2;
    if (head[0] === '$') {
      const size = Number(head.slice(1));
      if (size < 0) return true;
      if (Buffer.byteLength(reply.slice(at)) < size + 2) return false;
      at += size + 2;
      return true;
    }
    if (head[0] === '*') {
      for (let n = Number(head.slice(1)); n > 0; n--) if (!value()) return false;
    }
    return true;
  };
  return value();
}

/** Sends one command and resolves with the raw reply text once it has all arrived. */
function raw(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis: no reply'));
    }, timeoutMs);
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (complete(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply.trim());
      }
    });
    // RESP array form, so values may hold spaces.
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

async function waitForPing(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${output().slice(-500)}`);
    const pong = await raw(port, ['PING'], 500).catch(() => '');
    // Up: it answers (a server with a password answers NOAUTH).
    if (pong === '+PONG' || pong.startsWith('-NOAUTH')) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING: ${output().slice(-500)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let output = '';
  const start = async () => {
    output = '';
    child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const missing = new Promise<never>((_, reject) =>
      child!.once('error', (error) => reject(new Error(`cannot run ${REDIS_SERVER} (${error.message}): install it (apt-get install redis-server) or set REDIS_SERVER`))),
    );
    await Promise.race([waitForPing(port, child, () => output), missing]).catch((error) => {
      child?.kill('SIGKILL');
      throw error;
    });
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  // A check in a test waits as long as a loaded machine needs; only the start-up PING polls quickly.
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, command: (...args) => raw(port, args, 10_000) };
}
