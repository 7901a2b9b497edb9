/**
 * The 3-D Secure / redirect-payment return leg. Konnektive (or the bank, PayPal, Klarna...) sends the
 * visitor back with a cross-site POST, on which browsers drop Lax cookies; so what the proxy needs to
 * route the visitor travels in the return URL itself, signed and bound to the proxy's public origin,
 * the order and the visitor. What is posted to it about the order is never believed: the proxy asks
 * Konnektive (Query Order) before recording anything.
 */
import type { Signer } from './signing.js';

export interface ReturnTarget {
  /** Where a successful payment continues (the form's data-kf-next). */
  next: string;
  /** The page that started the payment (checkout or upsell), for failures and PayPal. */
  back: string;
  /** Unix seconds. */
  expires: number;
  /** The order the payment is for. */
  orderId: string;
  /** shortHash of the visitor id: a visitor cookie that comes back must be this visitor's. */
  visitor: string;
  /** The public origin the link was made for; it only works there. */
  origin: string;
}

const KIND = 'return';

/** How long a 3-D Secure or PayPal detour may take before its return link stops working. */
export const RETURN_LINK_SECONDS = 2 * 60 * 60;

export const signReturn = (signer: Signer, target: ReturnTarget) =>
  signer.sign(KIND, [target.next, target.back, target.expires, target.orderId, target.visitor, target.origin]);

/** The target, or null when the token is forged, malformed, of another kind or expired. */
export async function verifyReturn(signer: Signer, token: string, now = Date.now()): Promise<ReturnTarget | null> {
  const values = await signer.verify(KIND, token);
  if (!values) return null;
  const [next, back, expires, orderId, visitor, origin] = values;
  if (![next, back, orderId, visitor, origin].every((v) => typeof v === 'string') || typeof expires !== 'number') return null;
  if (expires * 1000 <= now) return null;
  return { next, back, expires, orderId, visitor, origin } as ReturnTarget;
}

/** The redirectsTo / errorRedirectsTo Konnektive receives: one signed token, success and error legs. */
export async function returnUrls(signer: Signer, routeBase: string, target: Omit<ReturnTarget, 'expires'>) {
  const token = await signReturn(signer, { ...target, expires: Math.floor(Date.now() / 1000) + RETURN_LINK_SECONDS });
  return { redirectsTo: `${routeBase}/return/s/${token}`, errorRedirectsTo: `${routeBase}/return/e/${token}` };
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
