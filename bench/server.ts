// One server for the benchmarks, in its own process: `sandbox` or `proxy` (to KONNEKTIVE_API_URL).
// It tells its parent its URL, and answers "memory" with its heap after a full collection.
import { configFromEnv } from '../src/proxy/config.js';
import { startProxyServer } from '../src/proxy/node.js';
import { startSandboxServer } from '../src/sandbox/index.js';

const kind = process.argv[2];
const env = configFromEnv();
const server =
  kind === 'sandbox'
    ? await startSandboxServer({ port: 0 })
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
