/**
 * Runs examples/cloudflare for real: its wrangler.toml read as written, its Worker bundled with esbuild
 * the way wrangler bundles (ES module, workerd conditions), its static assets assembled by its own
 * assets.mjs, all served by workerd through miniflare on a loopback port, with the kfunnel sandbox as
 * Konnektive. Nothing is downloaded.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import { startSandboxServer, type SandboxServer } from '../../src/sandbox/index.js';
import { parseToml, type TomlTable } from './toml.js';

export const EXAMPLE_DIR = 'examples/cloudflare';

export interface CloudflareExample {
  /** http://127.0.0.1:PORT: the Worker, landers and proxy on one origin. */
  url: string;
  sandbox: SandboxServer;
  /** Bytes of the bundled Worker script. */
  bundleBytes: number;
  /** What the Worker wrote to its console (the proxy's log lines among it). */
  output: string[];
  /**
   * Sends a request to one Worker instance: 0 through the loopback port (as the browser does), others
   * straight to that instance. Each instance is its own isolate; they share only the Durable Objects.
   */
  fetch(instance: number, path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

/** The Worker as wrangler would build it from `main`. */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const table = (value: unknown) => (value ?? {}) as TomlTable;

/** The miniflare options wrangler.toml describes: bindings, Durable Objects with their migration, assets. */
function miniflareOptions(config: TomlTable, script: string, assets: string, vars: Record<string, string>) {
  const sqlite = new Set((config.migrations as TomlTable[] | undefined)?.flatMap((m) => (m.new_sqlite_classes as string[] | undefined) ?? []));
  const durableObjects = Object.fromEntries(
    ((table(config.durable_objects).bindings as TomlTable[] | undefined) ?? []).map((b) => [b.name as string, { className: b.class_name as string, useSQLite: sqlite.has(b.class_name as string) }]),
  );
  const assetConfig = table(config.assets);
  const workerFirst = assetConfig.run_worker_first;
  return {
    // The module listed, as wrangler uploads it: workerd resolves its imports, miniflare scans nothing.
    modules: [{ type: 'ESModule' as const, path: 'worker.js', contents: script }],
    compatibilityDate: config.compatibility_date as string,
    compatibilityFlags: (config.compatibility_flags as string[] | undefined) ?? [],
    bindings: { ...(table(config.vars) as Record<string, string>), ...vars },
    durableObjects,
    assets: {
      directory: assets,
      binding: assetConfig.binding as string | undefined,
      routerConfig: {
        has_user_worker: true,
        ...(Array.isArray(workerFirst) ? { static_routing: { user_worker: workerFirst as string[] } } : { invoke_user_worker_ahead_of_assets: workerFirst === true }),
      },
    },
  };
}

export async function startCloudflareExample(options: { loginId: string; password: string; vars?: Record<string, string>; instances?: number }): Promise<CloudflareExample> {
  const sandbox = await startSandboxServer({ loginId: options.loginId, password: options.password, port: 0 });
  const config = parseToml(readFileSync(join(EXAMPLE_DIR, 'wrangler.toml'), 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'kfunnel-cf-'));
  const { assembleAssets } = await import(`../../${EXAMPLE_DIR}/assets.mjs`);
  const assets: string = assembleAssets({ out: join(dir, 'public') });
  const script = await bundleWorker(join(EXAMPLE_DIR, config.main as string));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const collect = (stream: Readable) => stream.on('data', (chunk) => output.push(...String(chunk).split('\n').filter(Boolean)));
  const worker = miniflareOptions(config, script, assets, {
    // What `wrangler secret put` and `wrangler dev --var` would set.
    KONNEKTIVE_LOGIN_ID: options.loginId,
    KONNEKTIVE_PASSWORD: options.password,
    KONNEKTIVE_API_URL: sandbox.url,
    KFUNNEL_PUBLIC_URL: url,
    ...options.vars,
  });
  // More instances of the same Worker, as Cloudflare runs many: same script and bindings, their own
  // isolates (nothing shared in memory), and the first one's Durable Objects.
  const others = Array.from({ length: (options.instances ?? 1) - 1 }, (_, i) => ({
    name: `kfunnel-${i + 2}`,
    modules: worker.modules,
    compatibilityDate: worker.compatibilityDate,
    compatibilityFlags: worker.compatibilityFlags,
    bindings: worker.bindings,
    durableObjects: Object.fromEntries(Object.entries(worker.durableObjects).map(([name, object]) => [name, { ...object, scriptName: 'kfunnel' }])),
  }));
  const mf = new Miniflare({
    workers: [{ name: 'kfunnel', ...worker }, ...others],
    host: '127.0.0.1',
    port,
    log: new Log(LogLevel.WARN),
    // Request.cf from a fixed placeholder: miniflare would otherwise fetch one from workers.cloudflare.com.
    cf: false,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      collect(stdout);
      collect(stderr);
    },
  });
  await mf.ready;
  return {
    url,
    sandbox,
    bundleBytes: Buffer.byteLength(script),
    output,
    async fetch(instance, path, init) {
      if (instance === 0) return fetch(url + path, init);
      // miniflare types the Worker with workers-types, which this project does not load: it is a fetcher.
      const other = (await mf.getWorker(`kfunnel-${instance + 1}`)) as unknown as { fetch(url: string, init?: RequestInit): Promise<Response> };
      return other.fetch(url + path, init);
    },
    async close() {
      await mf.dispose();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
