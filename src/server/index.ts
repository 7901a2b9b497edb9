/** `kfunnel/proxy`: the same-origin proxy as a fetch handler, and its node adapters. */
export { createProxyHandler, type ConnectionInfo, type ProxyHandler } from './handler.js';
export { configFromEnv, parseTrustProxy, PROXY_DEFAULTS, type ProxyConfig, type ProxyOptions, type TrustProxy } from './config.js';
export { MemoryStore, MemoryStore as MemoryIdempotencyStore, StoreFullError, StoreUnavailableError, type ProxyStore, type ProxyStore as IdempotencyStore, type WriteOptions } from './store.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export type { IdempotencyRecord } from './idempotency.js';
export { REFUSALS, type RefusalCode } from './refusals.js';
export { ROUTE_POLICY } from './policy.js';
export { kfunnelMiddleware, startProxyServer, toNodeHandler } from './node.js';
