// One server for the benchmarks, in its own process: `sandbox`, `proxy` or `bare` (the bare forwarder,
// bench/bare-forwarder.ts), the last two to KONNEKTIVE_API_URL.
// It tells its parent its URL, and answers "memory" with its heap after a full collection.
import { configFromEnv } from '../src/proxy/config.js';
import { startProxyServer } from '../src/server/proxy.js';
import { startSandboxServer } from '../src/sandbox/index.js';
import { startBareForwarder } from './bare-forwarder.js';

const kind = process.argv[2];
const env = configFromEnv();
const server =
  kind === 'sandbox'
    ? await startSandboxServer({ port: 0 })
    : kind === 'bare'
      ? await startBareForwarder(env.apiUrl as string, env.loginId as string, env.password as string)
      : await startProxyServer({ ...env, loginId: env.loginId as string, password: env.password as string, port: 0, rateLimitPerMinute: 0 });

process.on('message', (message) => {
  if (message === 'cpu') return void process.send!({ cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 });
  if (message !== 'memory') return;
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  process.send!({ heapMB: heapUsed / 2 ** 20, rssMB: rss / 2 ** 20 });
});
process.once('SIGINT', () => process.exit(0));
process.send!({ url: server.url });
