import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import { publicOrder } from '../store.js';
import { error, isAnswer, lookupOrder, MESSAGES, success, type ApiContext, type Params } from './common.js';

/** Confirm Order (`/order/confirm/`). */

export function confirmOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId) return error(MESSAGES.orderIdRequired);
  const order = lookupOrder(params.orderId, ctx);
  if (isAnswer(order)) return order;
  if (order.orderStatus !== 'COMPLETE') return error(MESSAGES.confirmNeedsComplete(order.orderId, order.orderStatus));
  order.confirmations += 1;
  return success(publicOrder(order));
}
