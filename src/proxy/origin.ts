import type { ProxyConfig, TrustProxy } from './config.js';

/** The origin the visitor reached the proxy at; behind a trusted proxy, from X-Forwarded-Proto/Host. */
export function selfOrigin(request: Request, trustProxy: TrustProxy): string {
  const url = new URL(request.url);
  if (!trustProxy) return url.origin;
  const proto = request.headers.get('x-forwarded-proto')?.split(',')[0].trim();
  const host = request.headers.get('x-forwarded-host')?.split(',')[0].trim();
  const protocol = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  try {
    return new URL(`${protocol}://${host || url.host}`).origin;
  } catch {
    return url.origin;
  }
}

/** The calling page's origin: the Origin header, else the Referer's origin; null when neither. */
export function callerOrigin(request: Request): string | null {
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

export function isAllowedOrigin(origin: string, self: string, config: ProxyConfig): boolean {
  return origin === self || config.allowedOrigins.includes(origin);
}

/** A URL the proxy may send a visitor to: absolute http(s) on its own origin or an allowed one. */
export function isAllowedUrl(value: string, self: string, config: ProxyConfig): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && isAllowedOrigin(url.origin, self, config);
  } catch {
    return false;
  }
}

/** The visitor's address: the TCP peer, or the forwarding header KFUNNEL_TRUST_PROXY says to believe. */
export function visitorAddress(request: Request, peer: string, trustProxy: TrustProxy): string {
  if (trustProxy === 'cloudflare') return request.headers.get('cf-connecting-ip')?.trim() || peer;
  if (trustProxy) {
    const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (hops.length >= trustProxy.hops) return hops[hops.length - trustProxy.hops];
    if (hops.length) return hops[0];
  }
  return peer;
}
