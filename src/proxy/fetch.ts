/**
 * `kfunnel/proxy/fetch`: the proxy as a plain fetch handler, with nothing from Node, for edge runtimes
 * (Cloudflare Workers, Deno, Bun, Vercel Edge).
 */
export { createProxyHandler, type ConnectionInfo, type ProxyHandler } from './handler.js';
export { configFromEnv, parseTrustProxy, PROXY_DEFAULTS, type ProxyConfig, type ProxyOptions, type TrustProxy } from './config.js';
export { MemoryStore, MemoryStore as MemoryIdempotencyStore, StoreFullError, StoreUnavailableError, type ProxyStore, type ProxyStore as IdempotencyStore, type WriteOptions } from './store.js';
export type { IdempotencyRecord } from './idempotency.js';
export { REFUSALS, type RefusalCode } from './refusals.js';
