/**
 * Which store the proxy's state lives in, from its configuration: Redis when a URL is given (shared by
 * every instance), else this process's memory. A store made here belongs to the proxy, which closes it.
 */
import { RedisStore } from './redis-store.js';
import { MemoryStore, type ProxyStore } from './store.js';

export interface StoreSettings {
  /** KFUNNEL_REDIS_URL: redis://host:port (rediss:// for TLS). */
  redisUrl?: string;
  /** KFUNNEL_REDIS_PREFIX: starts every key (default `kfunnel:`), so deployments can share one Redis. */
  redisPrefix?: string;
}

const owned = new WeakSet<ProxyStore>();

/** A new store for these settings. Throws at once on a bad Redis URL. */
export function storeFromConfig(settings: StoreSettings): ProxyStore {
  const store = settings.redisUrl ? new RedisStore({ url: settings.redisUrl, prefix: settings.redisPrefix }) : new MemoryStore();
  owned.add(store);
  return store;
}

/** What the start banner says about where state lives. */
export function describeStore(store: ProxyStore): string {
  if (store instanceof RedisStore) return store.description;
  if (store instanceof MemoryStore) return 'in memory, one process only';
  return 'a custom store';
}

/** Closes a store the proxy made itself (a Redis connection); one passed in is the caller's to close. */
export async function closeOwnedStore(store: ProxyStore): Promise<void> {
  if (owned.has(store) && store instanceof RedisStore) await store.close();
}
