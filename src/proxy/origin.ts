import type { ProxyConfig, TrustProxy } from './config.js';
import { urlOf, type ProxyRequest } from './exchange.js';

type WithUrl = Pick<ProxyRequest, 'url'>;
type WithHeaders = Pick<ProxyRequest, 'headers'>;

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/**
 * The proxy's own public origin for this request: the configured origin (KFUNNEL_PUBLIC_URL) whose host
 * the request was sent to. Without configuration, only loopback hosts (localhost, 127.x, [::1]) count;
 * `kfunnel serve` and `kfunnel proxy` add the addresses they listen on. Never taken from
 * X-Forwarded-Host, and an absolute-form request target for another host matches nothing, so return
 * links and cookie scopes can only ever name a configured origin. Undefined: not a host we serve.
 */
export function publicOrigin(request: WithUrl, config: Pick<ProxyConfig, 'publicOrigins'>): string | undefined {
  const url = urlOf(request);
  if (config.publicOrigins.length) return config.publicOrigins.find((origin) => hostOf(origin) === url.host);
  return LOOPBACK.test(url.hostname) ? url.origin : undefined;
}

/** The host of a configured origin (resolveConfig keeps them as URL.origin writes them), without parsing it again. */
function hostOf(origin: string): string {
  const start = origin.indexOf('//') + 2;
  const end = origin.indexOf('/', start);
  return end < 0 ? origin.slice(start) : origin.slice(start, end);
}

/** The calling page's origin: the Origin header, else the Referer's origin; null when neither. */
export function callerOrigin(request: WithHeaders): string | null {
  const origin = request.headers.get('origin');
  if (origin) return origin;
  const referer = request.headers.get('referer');
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return 'null';
  }
}

/**
 * A caller the proxy answers: its own public origin or an allowed one. For a host that is not configured
 * (clicks and leads still work there, so no visit is lost), a page on that same host.
 */
export function isAllowedOrigin(origin: string, self: string | undefined, request: WithUrl, config: ProxyConfig): boolean {
  if (config.allowedOrigins.includes(origin)) return true;
  if (self) return origin === self;
  try {
    return new URL(origin).host === urlOf(request).host;
  } catch {
    return false;
  }
}

/** A URL the proxy may send a visitor to: absolute http(s) on its own public origin or an allowed one. */
export function isAllowedUrl(value: string, self: string, config: ProxyConfig): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && (url.origin === self || config.allowedOrigins.includes(url.origin));
  } catch {
    return false;
  }
}

/** The visitor's address: the TCP peer, or the forwarding header KFUNNEL_TRUST_PROXY says to believe. */
export function visitorAddress(request: WithHeaders, peer: string, trustProxy: TrustProxy): string {
  if (trustProxy === 'cloudflare') return request.headers.get('cf-connecting-ip')?.trim() || peer;
  if (trustProxy) {
    const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const hop = hops.length >= trustProxy.hops ? hops[hops.length - trustProxy.hops] : hops[0];
    if (hop) return hop;
  }
  return peer;
}
