import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import { lookupCard } from '../cards.js';
import { publicOrder, type Order } from '../store.js';
import { error, findCampaign, isAnswer, isoNow, linkSession, lookupOrder, MESSAGES, success, type ApiContext, type Params } from './common.js';
import { checkLengths, customerUpdate, newOrder, withBillingAsShipping } from './customer.js';
import { checkPrepaid, completeSale, externalThreeDs, readCard, startPending, type CardCheck } from './payment.js';
import { applyTotals, orderLines, priceLines } from './pricing.js';

/** Import Order (`/order/import/`): a sale by card, PayPal or an alternative payment. */

const ORDER_REQUIRED = ['firstName', 'lastName', 'address1', 'city', 'postalCode', 'country'];
const SHIP_REQUIRED = ['shipAddress1', 'shipCity', 'shipPostalCode', 'shipCountry'];

export function importOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const campaign = findCampaign(params, ctx);
  if (isAnswer(campaign)) return campaign;
  let existing: Order | undefined;
  if (params.orderId) {
    const named = lookupOrder(params.orderId, ctx);
    if (isAnswer(named)) return named;
    if (named.orderStatus === 'COMPLETE') return error(MESSAGES.orderComplete(named.orderId));
    existing = named;
  }
  const { incoming, customer, errors } = customerUpdate(params, existing);
  for (const field of ORDER_REQUIRED) if (!customer[field]) errors[field] = `${field} is required`;
  const separateShipping = customer.billShipSame === '0' || (customer.billShipSame === undefined && customer.shipAddress1);
  if (separateShipping) for (const field of SHIP_REQUIRED) if (!customer[field]) errors[field] = `${field} is required`;
  checkLengths(incoming, errors);
  const { couponCode } = params;
  if (couponCode && !campaign.coupons.some((c) => c.code.toUpperCase() === couponCode.toUpperCase())) {
    errors.couponCode = `Coupon code ${couponCode.slice(0, 50)} is not valid for this campaign`;
  }
  if (params.shipProfileId && !campaign.shipProfiles.some((p) => String(p.shipProfileId) === params.shipProfileId)) {
    errors.shipProfileId = `Invalid shipProfileId ${params.shipProfileId.slice(0, 20)}`;
  }
  if (Object.keys(errors).length) return error(errors);

  const lines = orderLines(params);
  if (isAnswer(lines)) return lines;
  if (lines.length === 0) return error(MESSAGES.noProducts);
  const items = priceLines(lines, campaign, false);
  if (isAnswer(items)) return items;
  const salesTax = params.salesTax === undefined ? undefined : Number(params.salesTax);
  if (salesTax !== undefined && !(salesTax >= 0 && salesTax <= 100000)) return error(MESSAGES.priceInvalid('salesTax'));

  const paySource = params.paySource || 'CREDITCARD';
  let card: CardCheck | undefined;
  let threeDs: { eci: string } | undefined;
  if (paySource === 'CREDITCARD') {
    card = readCard(params, ctx);
    if (isAnswer(card)) return card;
    const external = externalThreeDs(params);
    if (isAnswer(external)) return external;
    threeDs = external;
  } else if (paySource === 'PAYPAL') {
    if (!params.salesUrl || !params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.paypalNeedsSalesUrl);
  } else if (paySource === 'PREPAID') {
    // No card fields: the shopper pays on the provider's page.
    const refused = checkPrepaid(params, params.prepaidType);
    if (refused) return refused;
  } else {
    return error(MESSAGES.paySourceUnsupported(paySource.slice(0, 20)));
  }

  const order = existing ?? newOrder(ctx, campaign);
  Object.assign(order, {
    customer: separateShipping ? customer : withBillingAsShipping(customer),
    items,
    couponCode: params.couponCode || undefined,
    shipProfileId: params.shipProfileId ? Number(params.shipProfileId) : undefined,
    paySource,
    prepaidType: paySource === 'PREPAID' ? params.prepaidType : undefined,
    dateUpdated: isoNow(ctx),
  });
  applyTotals(order, campaign, salesTax);
  linkSession(ctx, order, params.sessionId);
  ctx.store.putOrder(order);

  if (paySource === 'PAYPAL') return startPending(ctx, params, { kind: 'paypal', order });
  if (paySource === 'PREPAID') return startPending(ctx, params, { kind: 'prepaid', order, prepaidType: params.prepaidType });

  const { digits, month, year } = card as { digits: string; month: number; year: number };
  const behaviour = lookupCard(digits);
  order.cardType = behaviour.brand;
  order.cardLast4 = digits.slice(-4);
  order.cardExpiryDate = `${year}-${String(month).padStart(2, '0')}-01`;
  if (behaviour.outcome === 'invalid' || behaviour.outcome === 'decline') {
    const message = behaviour.outcome === 'invalid' ? MESSAGES.invalidCard : (behaviour.message as string);
    order.orderStatus = 'DECLINED';
    order.transactions.push({ type: 'SALE', status: 'DECLINED', amount: order.totalAmount, message, at: isoNow(ctx) });
    return error(message);
  }
  order.cardOutcome = behaviour.outcome;
  if (threeDs) {
    // Authenticated by the merchant's own 3-D Secure provider: no challenge here, for the order or its upsales.
    if (behaviour.outcome === '3ds') order.cardOutcome = 'approve';
    completeSale(order, ctx, { threeDs: 'external', eci: threeDs.eci });
    return success(publicOrder(order));
  }
  if (behaviour.outcome === '3ds') {
    if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired('3-D Secure'));
    return startPending(ctx, params, { kind: '3ds', order });
  }
  completeSale(order, ctx);
  return success(publicOrder(order));
}
