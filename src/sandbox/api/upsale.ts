import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import type { Campaign } from '../campaign.js';
import { publicOrder } from '../store.js';
import { cents, error, isAnswer, isoNow, lookupOrder, MESSAGES, success, type ApiContext, type Params } from './common.js';
import { checkPrepaid, startPending } from './payment.js';
import { addUpsale, orderLines, priceLines } from './pricing.js';

/** Import Upsale (`/upsale/import/`): charged to the order's pay source within the upsell window. */

export function importUpsale(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId) return error(MESSAGES.orderIdRequired);
  const order = lookupOrder(params.orderId, ctx);
  if (isAnswer(order)) return order;
  if (order.orderStatus !== 'COMPLETE') return error(MESSAGES.upsaleNeedsComplete(order.orderId, order.orderStatus));
  const campaign = ctx.campaigns.get(order.campaignId) as Campaign;
  if (ctx.now() - (order.completedAt ?? 0) > campaign.upsellWindowMinutes * 60_000) {
    return error(MESSAGES.upsellWindowClosed(order.orderId, campaign.upsellWindowMinutes));
  }
  let lines = orderLines(params);
  if (isAnswer(lines)) return lines;
  if (params.productId) {
    lines = [
      {
        productId: params.productId,
        qty: params.productQty ?? '1',
        price: params.productPrice,
        shipPrice: params.productShipPrice,
        qtyField: 'productQty',
        priceField: 'productPrice',
        shipField: 'productShipPrice',
      },
      ...lines,
    ];
  }
  if (lines.length === 0) return error(MESSAGES.noProducts);
  const items = priceLines(lines, campaign, true);
  if (isAnswer(items)) return items;
  const replaceProductId = params.replaceProductId ? Number(params.replaceProductId) : undefined;
  if (params.replaceProductId && !order.items.some((item) => item.productId === replaceProductId)) {
    return error(MESSAGES.replaceMissing(params.replaceProductId.slice(0, 20)));
  }
  const amount = cents(items.reduce((sum, item) => sum + item.price + item.shipping, 0));
  // An upsale is charged to the order's pay source; a redirect payment needs the shopper's approval
  // again, so PREPAID (named now, or the order's own) answers MERC_REDIRECT to its stand-in page.
  if (params.paySource && params.paySource !== 'PREPAID') return error(MESSAGES.upsalePaySource(params.paySource.slice(0, 20)));
  const prepaidType = params.paySource === 'PREPAID' ? params.prepaidType : order.paySource === 'PREPAID' ? order.prepaidType : undefined;
  if (params.paySource === 'PREPAID' || prepaidType) {
    const refused = checkPrepaid(params, prepaidType);
    if (refused) return refused;
    return startPending(ctx, params, { kind: 'prepaid', order, prepaidType, upsale: { items, replaceProductId, amount } });
  }
  if (order.cardOutcome === 'approve-decline-upsales') {
    const message = 'Transaction Declined: Insufficient Funds';
    order.transactions.push({ type: 'UPSALE', status: 'DECLINED', amount, message, at: isoNow(ctx) });
    return error(message);
  }
  if (order.cardOutcome === '3ds') {
    if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired('3-D Secure'));
    return startPending(ctx, params, { kind: '3ds', order, upsale: { items, replaceProductId, amount } });
  }
  addUpsale(order, campaign, items, replaceProductId, ctx);
  order.transactions.push({ type: 'UPSALE', status: 'APPROVED', amount, at: isoNow(ctx) });
  return success(publicOrder(order));
}
