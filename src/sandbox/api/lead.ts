import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import { publicOrder, type Order } from '../store.js';
import { error, findCampaign, isAnswer, isoNow, linkSession, lookupOrder, MESSAGES, success, type ApiContext, type Params } from './common.js';
import { checkLengths, customerUpdate, newOrder } from './customer.js';

/** Import Lead (`/leads/import/`): a PARTIAL order holding what the shopper has typed so far. */

export function importLead(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const campaign = findCampaign(params, ctx);
  if (isAnswer(campaign)) return campaign;
  let order: Order | undefined;
  if (params.orderId) {
    const named = lookupOrder(params.orderId, ctx);
    if (isAnswer(named)) return named;
    if (named.orderStatus !== 'PARTIAL' && named.orderStatus !== 'DECLINED') {
      return error(MESSAGES.orderNotPartial(named.orderId, named.orderStatus));
    }
    order = named;
  }
  const { incoming, customer, errors } = customerUpdate(params, order);
  checkLengths(incoming, errors);
  if (Object.keys(errors).length) return error(errors);
  order ??= newOrder(ctx, campaign);
  order.customer = customer;
  order.dateUpdated = isoNow(ctx);
  linkSession(ctx, order, params.sessionId);
  ctx.store.putOrder(order);
  return success(publicOrder(order));
}
