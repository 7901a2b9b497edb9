/**
 * The 3-D Secure / redirect-payment return leg. Konnektive (or the bank) sends the visitor back with a
 * cross-site POST, on which browsers drop Lax cookies; so everything the proxy needs to route the
 * visitor travels in the return URL itself, signed so nobody can turn it into an open redirect.
 */
const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export interface ReturnTarget {
  /** Where a successful payment continues (the form's data-kf-next). */
  next: string;
  /** The page that started the payment (checkout or upsell), for failures and PayPal. */
  back: string;
  /** Unix seconds. */
  expires: number;
}

export class ReturnSigner {
  private readonly key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async sign(target: ReturnTarget): Promise<string> {
    const payload = base64url(encoder.encode(JSON.stringify([target.next, target.back, target.expires])));
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, encoder.encode(payload)));
    return `${payload}.${base64url(signature)}`;
  }

  /** The target, or null when the token is forged, malformed or expired. */
  async verify(token: string, now = Date.now()): Promise<ReturnTarget | null> {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined || token.length > 8192) return null;
    try {
      const valid = await crypto.subtle.verify('HMAC', await this.key, fromBase64url(signature), encoder.encode(payload));
      if (!valid) return null;
      const [next, back, expires] = JSON.parse(new TextDecoder().decode(fromBase64url(payload)));
      if (typeof next !== 'string' || typeof back !== 'string' || typeof expires !== 'number') return null;
      return expires * 1000 > now ? { next, back, expires } : null;
    } catch {
      return null;
    }
  }
}

/** How long a 3-D Secure or PayPal detour may take before its return link stops working. */
export const RETURN_LINK_SECONDS = 2 * 60 * 60;

/** The redirectsTo / errorRedirectsTo Konnektive receives: the same signed token, success and error legs. */
export async function returnUrls(signer: ReturnSigner, routeBase: string, next: string, back: string) {
  const token = await signer.sign({ next, back, expires: Math.floor(Date.now() / 1000) + RETURN_LINK_SECONDS });
  return { redirectsTo: `${routeBase}/return/s/${token}`, errorRedirectsTo: `${routeBase}/return/e/${token}` };
}

/** The finished order in Konnektive's success POST (`orderData`), when it is one. */
export function finishedOrder(orderData: string | undefined): { orderId: string; sessionId?: string } | undefined {
  try {
    const order = JSON.parse(orderData ?? '');
    if (order?.orderStatus === 'COMPLETE' && /^[\w-]{1,30}$/.test(order.orderId)) return order;
  } catch {
    // not an order
  }
  return undefined;
}

/** Where the visitor goes from the return leg. */
export function returnLocation(kind: 's' | 'e', target: ReturnTarget, params: Record<string, string>): string {
  if (kind === 's' && params.token && params.PayerID) {
    // PayPal sent the buyer back to redirectsTo: the page that started it confirms the payment.
    const back = new URL(target.back);
    back.searchParams.set('paypalAccept', '1');
    back.searchParams.set('token', params.token.slice(0, 100));
    back.searchParams.set('PayerID', params.PayerID.slice(0, 100));
    return back.href;
  }
  if (kind === 's') return target.next;
  const back = new URL(target.back);
  back.searchParams.set('errorMsg', (params.errorMsg || 'The payment could not be completed.').slice(0, 300));
  return back.href;
}
