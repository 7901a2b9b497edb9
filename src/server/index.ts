/** `kfunnel/proxy`: the same-origin proxy as a fetch handler, and its node adapters. */
export { createProxyHandler, type ConnectionInfo, type ProxyHandler } from '../proxy/handler.js';
export { configFromEnv, parseTrustProxy, PROXY_DEFAULTS, type ProxyConfig, type ProxyOptions, type TrustProxy } from '../proxy/config.js';
export { MemoryStore, MemoryStore as MemoryIdempotencyStore, StoreFullError, StoreUnavailableError, type ProxyStore, type ProxyStore as IdempotencyStore, type WriteOptions } from '../proxy/store.js';
export { RedisStore, type RedisStoreOptions } from '../proxy/redis-store.js';
export type { IdempotencyRecord } from '../proxy/idempotency.js';
export { REFUSALS, type RefusalCode } from '../proxy/refusals.js';
export { ROUTE_POLICY } from '../proxy/policy.js';
export { kfunnelMiddleware, startProxyServer, toNodeHandler } from './proxy.js';
