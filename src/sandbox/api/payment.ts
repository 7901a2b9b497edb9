import { CARD_FIELDS, PREPAID_TYPES, type KonnektiveAnswer } from '../../shared/konnektive.js';
import { cvvLength } from '../../shared/cards.js';
import type { Campaign } from '../campaign.js';
import type { Order, OrderItem, PendingCharge, Transaction } from '../store.js';
import { error, hex, isoNow, MESSAGES, type ApiContext, type Params } from './common.js';
import { addUpsale } from './pricing.js';

/** Payment: card checks, completed sales, and the pending charges of 3-D Secure, PayPal and alternative payments. */

function expired(month: number, year: number, now: number): boolean {
  const date = new Date(now);
  return year < date.getUTCFullYear() || (year === date.getUTCFullYear() && month < date.getUTCMonth() + 1);
}

export type CardCheck = { digits: string; month: number; year: number } | KonnektiveAnswer;

export function readCard(params: Params, ctx: ApiContext): CardCheck {
  const { cardNumber, cardMonth, cardYear, cardSecurityCode } = params;
  if (!cardNumber || !cardMonth || !cardYear || !cardSecurityCode) {
    const errors: Record<string, string> = {};
    for (const field of CARD_FIELDS) if (!params[field]) errors[field] = `${field} is required`;
    return error(errors);
  }
  const digits = cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return error(MESSAGES.invalidCard);
  const month = Number(cardMonth);
  let year = Number(cardYear);
  if (cardYear.length === 2) year += 2000;
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(year)) return error(MESSAGES.expiredCard);
  if (expired(month, year, ctx.now())) return error(MESSAGES.expiredCard);
  if (!new RegExp(`^\\d{${cvvLength(digits)}}$`).test(cardSecurityCode)) return error(MESSAGES.invalidCvv);
  return { digits, month, year };
}

const REDIRECT_PAGES = {
  '3ds': (token: string) => `/_sandbox/3ds/${token}`,
  paypal: (token: string) => `/_sandbox/paypal/checkoutnow?token=${token}`,
  prepaid: (token: string) => `/_sandbox/pay/${token}`,
};

function pendingRedirect(ctx: ApiContext, params: Params, kind: keyof typeof REDIRECT_PAGES, token: string): KonnektiveAnswer {
  return { result: 'MERC_REDIRECT', message: { url: `${ctx.pageBase(params, true)}${REDIRECT_PAGES[kind](token)}` } };
}

const PENDING_STATUS = { '3ds': 'PENDING_3DS', paypal: 'PENDING_PAYPAL', prepaid: 'PENDING_REDIRECT' } as const;

/** What a charge waiting for the shopper (on a 3-D Secure, PayPal or alternative-payment page) is for. */
export interface PendingStart {
  kind: PendingCharge['kind'];
  order: Order;
  /** For an upsale: its items, the product it replaces, and its amount (an order's own sale is its total). */
  upsale?: { items: OrderItem[]; replaceProductId?: number; amount: number };
  prepaidType?: string;
}

/**
 * The one place a charge waits for the shopper: records the pending charge and its PENDING transaction
 * (an order's own sale also makes the order PENDING), and answers MERC_REDIRECT to the page that settles it.
 */
export function startPending(ctx: ApiContext, params: Params, { kind, order, upsale, prepaidType }: PendingStart): KonnektiveAnswer {
  const { redirectsTo, errorRedirectsTo } = params;
  // Callers check these with their own wording first; this keeps a pending charge from ever lacking a way back.
  if (!redirectsTo || !errorRedirectsTo) return error(MESSAGES.redirectsRequired('This payment'));
  const token = kind === 'paypal' ? `EC-${hex(8).toUpperCase()}` : hex(12);
  ctx.store.putPending({
    token,
    kind,
    ...(kind === 'prepaid' && { prepaidType }),
    orderId: order.orderId,
    ...(upsale && { upsale: { items: upsale.items, replaceProductId: upsale.replaceProductId } }),
    redirectsTo,
    errorRedirectsTo,
    ...(kind === 'paypal' && { salesUrl: params.salesUrl, paypalClientMetadataId: params.paypalClientMetadataId }),
    approved: false,
    used: false,
  });
  if (!upsale) order.orderStatus = 'PENDING';
  order.transactions.push({
    type: upsale ? 'UPSALE' : 'SALE',
    status: PENDING_STATUS[kind],
    amount: upsale ? upsale.amount : order.totalAmount,
    at: isoNow(ctx),
    ...(kind === '3ds' && { threeDs: 'challenge' as const }),
    ...(kind === 'paypal' && { paypalClientMetadataId: params.paypalClientMetadataId }),
  });
  return pendingRedirect(ctx, params, kind, token);
}

/** paySource=PREPAID needs a known prepaidType and both return URLs; an answer when it does not have them. */
export function checkPrepaid(params: Params, prepaidType: string | undefined): KonnektiveAnswer | undefined {
  if (!prepaidType || !PREPAID_TYPES.includes(prepaidType)) return error(MESSAGES.prepaidTypeInvalid(String(prepaidType ?? '').slice(0, 20)));
  if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired(`paySource PREPAID (${prepaidType})`));
  return undefined;
}

/**
 * External 3-D Secure results (cavv, eci, xid and the rebill_ pair) from the merchant's own provider.
 * Undefined when none were sent; an answer when they are incomplete or malformed.
 */
export function externalThreeDs(params: Params): { eci: string } | KonnektiveAnswer | undefined {
  if (![params.cavv, params.eci, params.xid].some(Boolean)) return undefined;
  if (!params.cavv || !params.eci) return error(MESSAGES.threeDsIncomplete);
  for (const field of ['eci', 'rebill_eci']) if (params[field] && !/^\d{2}$/.test(params[field])) return error(MESSAGES.eciInvalid(field));
  return { eci: params.eci };
}

export function completeSale(order: Order, ctx: ApiContext, extra: Partial<Transaction> = {}): void {
  order.orderStatus = 'COMPLETE';
  order.completedAt = ctx.now();
  order.dateUpdated = isoNow(ctx);
  const pending = order.transactions.findLast((t) => t.type === 'SALE' && t.status.startsWith('PENDING'));
  if (pending) Object.assign(pending, extra, { status: 'APPROVED' });
  else order.transactions.push({ type: 'SALE', status: 'APPROVED', amount: order.totalAmount, at: isoNow(ctx), ...extra });
}

/** The challenge page's approve button: finishes the pending charge. Returns the order, or a reason. */
export function approvePending(token: string, ctx: ApiContext): { order: Order; charge: PendingCharge } | string {
  const charge = ctx.store.pending.get(token);
  if (!charge || charge.used) return 'This payment session has expired or was already used.';
  const order = ctx.store.orders.get(charge.orderId);
  if (!order) return 'The order for this payment no longer exists.';
  charge.approved = true;
  if (charge.kind === 'paypal') return { order, charge };
  charge.used = true;
  if (charge.upsale) {
    const campaign = ctx.campaigns.get(order.campaignId) as Campaign;
    addUpsale(order, campaign, charge.upsale.items, charge.upsale.replaceProductId, ctx);
    const pending = order.transactions.findLast((t) => t.type === 'UPSALE' && t.status.startsWith('PENDING'));
    if (pending) pending.status = 'APPROVED';
  } else {
    completeSale(order, ctx);
  }
  return { order, charge };
}

/** The challenge page's fail button (or PayPal's cancel): the charge is not made. */
export function failPending(token: string, ctx: ApiContext): { charge: PendingCharge } | string {
  const charge = ctx.store.pending.get(token);
  if (!charge || charge.used) return 'This payment session has expired or was already used.';
  charge.used = true;
  const order = ctx.store.orders.get(charge.orderId);
  if (order) {
    const pending = order.transactions.findLast((t) => t.status.startsWith('PENDING'));
    if (pending) pending.status = charge.kind === '3ds' ? 'FAILED_3DS' : 'CANCELLED';
    if (!charge.upsale && order.orderStatus === 'PENDING') order.orderStatus = 'DECLINED';
  }
  return { charge };
}
