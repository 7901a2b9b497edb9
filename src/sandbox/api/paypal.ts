import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import { publicOrder } from '../store.js';
import { error, linkSession, MESSAGES, success, type ApiContext, type Params } from './common.js';
import { completeSale } from './payment.js';

/** Confirm PayPal (`/transactions/confirmPaypal/`): completes a sale the payer approved on the PayPal page. */

export function confirmPaypal(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const payerId = params.payerId ?? params.PayerID;
  if (!params.token || !payerId) return error(MESSAGES.paypalParams);
  const charge = ctx.store.pending.get(params.token);
  if (!charge || charge.kind !== 'paypal') return error(MESSAGES.paypalToken(params.token.slice(0, 40)));
  if (charge.used) return error(MESSAGES.paypalUsed);
  if (!charge.approved) return error(MESSAGES.paypalNotApproved);
  const order = ctx.store.orders.get(charge.orderId);
  if (!order) return error(MESSAGES.orderNotFound(charge.orderId));
  charge.used = true;
  order.cardOutcome = 'approve';
  const metadataId = params.paypalClientMetadataId ?? charge.paypalClientMetadataId;
  completeSale(order, ctx, metadataId ? { paypalClientMetadataId: metadataId } : {});
  linkSession(ctx, order, params.sessionId);
  return success(publicOrder(order));
}
