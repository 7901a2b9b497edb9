import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import { publicOrder } from '../store.js';
import { error, MESSAGES, success, type ApiContext, type Params } from './common.js';

/** Konnektive's Query Order (`/order/query/`), used by the proxy to settle a lost answer. */
export function queryOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId && !params.emailAddress) return error(MESSAGES.queryParams);
  const matches = [...ctx.store.orders.values()]
    .reverse()
    .filter((order) => !params.orderId || order.orderId === params.orderId)
    .filter((order) => !params.emailAddress || order.customer.emailAddress === params.emailAddress)
    .filter((order) => !params.campaignId || String(order.campaignId) === params.campaignId);
  if (matches.length === 0) return error(MESSAGES.queryEmpty);
  const perPage = Math.min(Math.max(Number(params.resultsPerPage) || 25, 1), 200);
  const page = Math.max(Number(params.page) || 1, 1);
  return success({
    totalResults: matches.length,
    resultsPerPage: perPage,
    page,
    data: matches.slice((page - 1) * perPage, page * perPage).map(publicOrder),
  });
}
