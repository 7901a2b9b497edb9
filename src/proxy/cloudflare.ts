/**
 * `kfunnel/proxy/cloudflare`: kfunnel on Cloudflare Workers. A Worker that serves the landers from
 * static assets and `/kfunnel/*` through the proxy, with all proxy state in Durable Objects:
 *
 *     import { createWorker, KfunnelStore } from 'kfunnel/proxy/cloudflare';
 *     export { KfunnelStore };
 *     export default createWorker();
 *
 * Configuration comes from the Worker's bindings, as `kfunnel proxy` reads its environment:
 * KONNEKTIVE_* secrets, KFUNNEL_* vars, the Durable Object namespace (KFUNNEL_STORE) and the assets
 * (ASSETS). Nothing here imports from Node.
 */
import { errorEnvelope } from '../shared/konnektive.js';
import type { DurableObjectNamespace, ExecutionContext, Fetcher } from './cloudflare-types.js';
import { Completion, CONFIRM_SCHEDULE } from './completion.js';
import { configFromEnv, PROXY_DEFAULTS, resolveConfig, type ProxyOptions } from './config.js';
import { setDueRunner } from './durable-object.js';
import { DurableObjectStore, type DurableObjectStoreOptions } from './durable-store.js';
import { createProxyHandler, type ProxyHandler } from './handler.js';
import type { ProxyStore } from './store.js';

export { KfunnelStore, type DueRunner } from './durable-object.js';
export { DurableObjectStore, type DurableObjectStoreOptions } from './durable-store.js';
export type { DurableObjectNamespace, ExecutionContext, Fetcher } from './cloudflare-types.js';

/** The Worker's bindings: strings (vars and secrets) and the two bindings kfunnel uses. */
export type WorkerEnv = Record<string, unknown>;

export interface WorkerOptions extends Partial<ProxyOptions> {
  /** The Durable Object namespace binding of the KfunnelStore class. Default `KFUNNEL_STORE`. */
  storeBinding?: string;
  /** The static-assets binding (`[assets] binding`). Default `ASSETS`; without one, other paths answer 404. */
  assetsBinding?: string;
  /** How keys map to objects (durable-store.ts). */
  objectName?: DurableObjectStoreOptions['objectName'];
  /**
   * What a schedule kept in the store runs when its first member falls due (the Durable Object's alarm
   * calls it with the schedule's key, a store and the bindings). It claims members with `claimDue`, so
   * each runs exactly once however many objects or Workers look. Default: funnel completion's round.
   */
  onDue?: (scheduleKey: string, store: ProxyStore, env: WorkerEnv) => Promise<void>;
}

export interface KfunnelWorker {
  fetch(request: Request, env: WorkerEnv, ctx?: ExecutionContext): Promise<Response>;
}

const NOT_CONFIGURED = JSON.stringify(
  errorEnvelope('The payment proxy is not configured yet. The site owner can find the reason in the Worker logs.', 'not_configured'),
);

/** The Durable Object store from the bindings; a missing binding is a deployment mistake, said plainly. */
export function storeFromEnv(env: WorkerEnv, options: Pick<WorkerOptions, 'storeBinding' | 'objectName'> = {}): DurableObjectStore {
  const name = options.storeBinding ?? 'KFUNNEL_STORE';
  const namespace = env[name] as DurableObjectNamespace | undefined;
  if (!namespace || typeof namespace.idFromName !== 'function') {
    throw new Error(`kfunnel: no Durable Object binding "${name}". Add it to wrangler.toml ([[durable_objects.bindings]] name = "${name}", class_name = "KfunnelStore") and export KfunnelStore from the Worker.`);
  }
  return new DurableObjectStore(namespace, { objectName: options.objectName });
}

/** The proxy's options from the bindings: vars and secrets as `configFromEnv` reads them, then `options`. */
export function proxyOptionsFromEnv(env: WorkerEnv, options: WorkerOptions = {}): ProxyOptions {
  const strings = Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  const { storeBinding, assetsBinding, objectName, onDue, ...proxy } = options;
  const merged = {
    // On Workers the TCP peer is Cloudflare itself; CF-Connecting-IP is set by Cloudflare and names the visitor.
    trustProxy: 'cloudflare',
    // One console line per request: Workers Logs and `wrangler tail` collect them.
    log: (line: string) => console.log(line),
    ...configFromEnv(strings),
    ...proxy,
  } as ProxyOptions;
  // A payment that outlives the browser's wait runs on under waitUntil, which Workers honour for 30 s
  // after the answer: it must end by then, or it would be cut off with its answer unrecorded.
  merged.settleTimeoutMs ??= Math.min(PROXY_DEFAULTS.settleTimeoutMs, (merged.moneyTimeoutMs ?? PROXY_DEFAULTS.moneyTimeoutMs) + WAIT_UNTIL_MS - 5000);
  merged.store ??= storeFromEnv(env, { storeBinding, objectName });
  return merged;
}

/** How long Workers keep a request's waitUntil work going after its response. */
const WAIT_UNTIL_MS = 30_000;

/**
 * The Worker: `/kfunnel/*` (the configured base path) through the proxy, everything else from the
 * static assets. One proxy per isolate, made on the first request (Workers allow no random values or
 * timers at module load), so concurrent duplicates in one isolate share its in-flight work.
 */
export function createWorker(options: WorkerOptions = {}): KfunnelWorker {
  let proxy: ProxyHandler | undefined;
  const onDue = options.onDue ?? ((scheduleKey, store, env) => confirmDueOrders(scheduleKey, store, env, options));
  setDueRunner((scheduleKey, env) => onDue(scheduleKey, storeFromEnv(env as WorkerEnv, options), env as WorkerEnv));

  return {
    async fetch(request, env, ctx) {
      if (!isProxyPath(new URL(request.url).pathname, basePathOf(env, options))) {
        const assets = env[options.assetsBinding ?? 'ASSETS'] as Fetcher | undefined;
        return assets ? assets.fetch(request) : new Response('Not found', { status: 404 });
      }
      if (!proxy) {
        try {
          proxy = createProxyHandler(proxyOptionsFromEnv(env, options));
        } catch (error) {
          // Missing secrets or binding: the reason goes to the log; the browser learns nothing about the setup.
          console.error((error as Error).message);
          return new Response(NOT_CONFIGURED, { status: 500, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });
        }
      }
      // waitUntil: a payment still running when the browser's wait ends goes on after the answer (Workers
      // would cut it off), so it finishes, records its answer, releases its lease, and a retry gets it.
      return proxy(request, { waitUntil: ctx ? (work) => ctx.waitUntil(work) : undefined });
    },
  };
}

/**
 * Funnel completion on Workers. The proxy's own completion timer cannot run here (a Worker's timers
 * stop with the request that set them), so the Durable Object holding the confirmation schedule wakes
 * by its alarm when an order falls due and runs one round of the same completion: claim the due orders
 * (each to one caller only) and send Confirm Order through the slot the thank-you page shares.
 */
async function confirmDueOrders(scheduleKey: string, store: ProxyStore, env: WorkerEnv, options: WorkerOptions = {}): Promise<void> {
  if (scheduleKey !== CONFIRM_SCHEDULE) return;
  const completion = new Completion(resolveConfig({ ...proxyOptionsFromEnv(env, options), store }));
  try {
    await completion.tick();
  } finally {
    // Stops the timer the constructor started; the store is the binding's, nothing to close.
    await completion.close();
  }
}

/** The proxy's base path as the proxy itself resolves it: the option, else KFUNNEL_BASE_PATH, else /kfunnel. */
function basePathOf(env: WorkerEnv, options: WorkerOptions): string {
  const configured = options.basePath ?? ((typeof env.KFUNNEL_BASE_PATH === 'string' && env.KFUNNEL_BASE_PATH) || PROXY_DEFAULTS.basePath);
  return '/' + configured.replace(/^\/+|\/+$/g, '');
}

const isProxyPath = (pathname: string, base: string) => pathname === base || pathname.startsWith(`${base}/`);
