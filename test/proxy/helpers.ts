// What the proxy's test files share: a proxy in front of a recording Konnektive, and browser requests
// to it. KFUNNEL_TEST_ADAPTER=node (test/proxy/via-node-adapter.test.ts) puts the Node adapter in front.
import { createProxyHandler, MemoryStore, type ProxyOptions, type ProxyStore } from '../../src/proxy/fetch.js';
import { recordingUpstream } from '../helpers/upstream.js';
import { NODE_ADAPTER, overNodeAdapter } from '../helpers/node-adapter.js';

export const SITE = 'https://shop.test';
export const LOGIN = { loginId: 'proxy-login-7Q', password: 'proxy-password-x9' };
/** The visitor the requests below come from (its HttpOnly cookie), and the orders it made earlier. */
export const VISITOR = 'TestVisitor00000000001';
export const OTHER_VISITOR = 'OtherVisitor0000000002';
export const HELD_ORDERS = ['ABCDE12345', 'A', 'X'];

/** A store in which VISITOR already holds HELD_ORDERS, as if its lead calls had made them. */
export function storeWithGrants(store: ProxyStore = new MemoryStore()) {
  void store.addToSet(`grants:${VISITOR}`, HELD_ORDERS, 60_000);
  return store;
}

/** The proxy as a fetch handler, or (KFUNNEL_TEST_ADAPTER=node, test/proxy/via-node-adapter.test.ts) through its Node adapter. */
export function proxy(upstream: ReturnType<typeof recordingUpstream>, options: Partial<ProxyOptions> = {}, log: string[] = []) {
  const handler = createProxyHandler({
    ...LOGIN,
    apiUrl: 'https://konnektive.test',
    fetch: upstream.fetch,
    log: (line) => log.push(line),
    rateLimitPerMinute: 0,
    publicOrigins: [SITE],
    ...options,
    store: storeWithGrants(options.store ?? options.idempotencyStore),
  });
  return NODE_ADAPTER ? overNodeAdapter(handler) : handler;
}

export interface Send {
  body?: string | Uint8Array<ArrayBuffer> | Record<string, unknown>;
  headers?: Record<string, string>;
  method?: string;
  origin?: string | null;
  key?: string;
  /** The visitor cookie sent; null sends none. */
  visitor?: string | null;
}

export function request(route: string, { body = {}, headers = {}, method = 'POST', origin = SITE, key, visitor = VISITOR }: Send = {}) {
  const all: Record<string, string> = { ...headers };
  if (origin) all.origin = origin;
  if (key) all['idempotency-key'] = key;
  if (visitor) all.cookie = `kf_v=${visitor}`;
  const raw = typeof body === 'string' || body instanceof Uint8Array;
  if (!raw) all['content-type'] ??= 'application/json';
  return new Request(`${SITE}/kfunnel/${route}`, {
    method,
    headers: all,
    body: method === 'GET' || method === 'HEAD' ? undefined : raw ? body : JSON.stringify(body),
  });
}

export async function json(response: Response) {
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) };
}

export const ORDER = { campaignId: '3', orderId: 'ABCDE12345', sessionId: 'a'.repeat(32), product1_id: '2', cardNumber: '4111111111111111', cardMonth: '12', cardYear: '2031', cardSecurityCode: '123' };
export const COMPLETE = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 89.85, items: [{ productId: 2 }] };
