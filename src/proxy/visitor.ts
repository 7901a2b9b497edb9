/**
 * Who is calling. The ids a page can read (sessionId, orderId) are public: they sit in script-readable
 * cookies, on thank-you pages, in e-mails and hand-off URLs. What only the visitor holds is the proxy's
 * own HttpOnly visitor cookie (or, for landers on another site, the token the script keeps in
 * sessionStorage). The store records which orders each visitor created or was handed; nothing that
 * names an order is done for anyone else.
 */
import type { ProxyRequest } from './exchange.js';
import type { ProxyStore } from './store.js';
import { randomId, type Signer } from './signing.js';

export const VISITOR_COOKIE = 'kf_v';
/** On https with no cookie domain: bound to the exact host, never settable by a sibling subdomain. */
export const VISITOR_COOKIE_HOST = '__Host-kf_v';
/** Cross-site landers: the script sends the visitor token back in this header. */
export const VISITOR_HEADER = 'kfunnel-visitor';
/** A signed, short-lived grant of a visitor's session and orders, for a hand-off to another domain. */
export const HANDOFF_HEADER = 'kfunnel-handoff';

const VISITOR_ID = /^[A-Za-z0-9_-]{22}$/;
const DAY_SECONDS = 24 * 60 * 60;

/** Cookie lifetimes in seconds, documented in the README. */
export const COOKIE_LIFETIME = {
  visitor: 30 * DAY_SECONDS,
  kf_sid: 30 * DAY_SECONDS,
  kf_oid: 30 * DAY_SECONDS,
};

/** How long a hand-off link works. */
export const HANDOFF_SECONDS = 15 * 60;
/** At most this many orders travel in one hand-off. */
const HANDOFF_MAX_ORDERS = 10;

/** One cookie of a Cookie header (the first of its name), found without splitting the whole header. */
function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (let start = 0; start < header.length; ) {
    const semicolon = header.indexOf(';', start);
    const end = semicolon < 0 ? header.length : semicolon;
    const eq = header.indexOf('=', start);
    if (eq > start && eq < end && header.slice(start, eq).trim() === name) return header.slice(eq + 1, end).trim();
    start = end + 1;
  }
  return undefined;
}

/** A cookie the request carries. */
export const requestCookie = (request: Pick<ProxyRequest, 'headers'>, name: string) => cookieValue(request.headers.get('cookie'), name);

/** Set on the return leg when it completed a sale: the next page's click fetches the purchase (purchase.ts). */
export const PURCHASE_COOKIE = 'kf_p';

/** The visitor id the request carries (cookie first, then header), when it is well formed. */
export function visitorOf(request: Pick<ProxyRequest, 'headers'>): string | undefined {
  const cookies = request.headers.get('cookie');
  for (const candidate of [cookieValue(cookies, VISITOR_COOKIE_HOST), cookieValue(cookies, VISITOR_COOKIE), request.headers.get(VISITOR_HEADER) ?? undefined]) {
    if (candidate && VISITOR_ID.test(candidate)) return candidate;
  }
  return undefined;
}

export const newVisitorId = randomId;

export interface CookieScope {
  /** The public origin is https. */
  secure: boolean;
  /** KFUNNEL_COOKIE_DOMAIN, to share cookies across subdomains. */
  domain?: string;
}

export function setCookie(name: string, value: string, maxAge: number, scope: CookieScope, httpOnly = false): string {
  let cookie = `${name}=${value}; Path=/; Max-Age=${maxAge}; SameSite=Lax`;
  if (scope.secure) cookie += '; Secure';
  if (scope.domain) cookie += `; Domain=${scope.domain}`;
  if (httpOnly) cookie += '; HttpOnly';
  return cookie;
}

export function visitorCookie(id: string, scope: CookieScope): string {
  const name = scope.secure && !scope.domain ? VISITOR_COOKIE_HOST : VISITOR_COOKIE;
  return setCookie(name, id, COOKIE_LIFETIME.visitor, scope, true);
}

const grantsKey = (visitor: string) => `grants:${visitor}`;

/** The visitor's orders: those it created (lead or order answers) or was handed. */
export class Grants {
  constructor(
    private readonly store: ProxyStore,
    private readonly ttlMs: number,
  ) {}

  add(visitor: string, orderIds: readonly string[]): Promise<void> {
    return orderIds.length ? this.store.addToSet(grantsKey(visitor), orderIds, this.ttlMs) : Promise.resolve();
  }

  holds(visitor: string | undefined, orderId: string): Promise<boolean> {
    return visitor ? this.store.hasMember(grantsKey(visitor), orderId) : Promise.resolve(false);
  }

  orders(visitor: string): Promise<string[]> {
    return this.store.members(grantsKey(visitor));
  }
}

/** A hand-off token: the session and the visitor's orders, for the visitor's next page on another domain. */
export async function signHandoff(signer: Signer, sessionId: string, orderIds: readonly string[], now = Date.now()): Promise<string> {
  return signer.sign('handoff', [sessionId, orderIds.slice(-HANDOFF_MAX_ORDERS), Math.floor(now / 1000) + HANDOFF_SECONDS, randomId()]);
}

export interface Handoff {
  sessionId: string;
  orderIds: string[];
  nonce: string;
}

export async function verifyHandoff(signer: Signer, token: string, now = Date.now()): Promise<Handoff | null> {
  const values = await signer.verify('handoff', token);
  if (!values) return null;
  const [sessionId, orderIds, expires, nonce] = values;
  if (typeof sessionId !== 'string' || typeof nonce !== 'string' || typeof expires !== 'number') return null;
  if (!Array.isArray(orderIds) || !orderIds.every((id) => typeof id === 'string')) return null;
  return expires * 1000 > now ? { sessionId, orderIds, nonce } : null;
}
