import { randomBytes } from 'node:crypto';
import { errorEnvelope, PREPAID_TYPES, type KonnektiveAnswer } from '../../shared/konnektive.js';
import type { Campaign } from '../campaign.js';
import type { Order, SandboxStore } from '../store.js';

export type Params = Record<string, string>;

export interface ApiContext {
  store: SandboxStore;
  campaigns: Map<number, Campaign>;
  /**
   * Where browsers reach the sandbox's pages (3-D Secure, PayPal, alternative payments, pixels) for
   * this call: an origin, or '' for a path relative to the page (pixels only; `absolute` asks for an
   * origin, which redirects need).
   */
  pageBase: (params: Params, absolute: boolean) => string;
  now: () => number;
}

/**
 * Konnektive-style texts. Only "Could not authenticate credentials" and the decline texts are
 * known verbatim (see konnektive-api.md); the rest are written in the same style.
 */
export const MESSAGES = {
  auth: 'Could not authenticate credentials. Check the API user loginId and password.',
  campaignRequired: 'campaignId is required',
  campaignInvalid: (id: string) => `Invalid campaignId ${id}`,
  pageTypeInvalid: (value: string) => `Invalid pageType ${value}`,
  requestUriRequired: 'requestUri is required on the first Import Click of a session (no sessionId was sent)',
  sessionInvalid: (value: string) => `Invalid sessionId ${value}: expected 32 hexadecimal characters`,
  orderIdRequired: 'orderId is required',
  orderNotFound: (id: string) => `Invalid orderId ${id}: no such order`,
  orderComplete: (id: string) => `Order ${id} has already been completed`,
  orderNotPartial: (id: string, status: string) => `Order ${id} is ${status}; only a PARTIAL order can be updated by Import Lead`,
  upsaleNeedsComplete: (id: string, status: string) =>
    `Upsales can only be added to a COMPLETE order; order ${id} is ${status}`,
  confirmNeedsComplete: (id: string, status: string) => `Only a COMPLETE order can be confirmed; order ${id} is ${status}`,
  upsellWindowClosed: (id: string, minutes: number) => `The upsell window (${minutes} minutes) for order ${id} has closed`,
  noProducts: 'No products specified: send product1_id (and product1_qty), or productId on Import Upsale',
  productInvalid: (id: string, campaignId: number) => `Invalid product id ${id} for campaign ${campaignId}`,
  replaceMissing: (id: string) => `replaceProductId ${id} is not on this order`,
  quantityInvalid: (field: string) => `${field} must be a whole number from 1 to 99`,
  priceInvalid: (field: string) => `${field} must be a number from 0 to 100000`,
  orderItemsInvalid: 'orderItems must be a JSON object of campaign product id to quantity',
  paySourceUnsupported: (value: string) => `paySource ${value} is not supported by the sandbox (use CREDITCARD, PAYPAL or PREPAID)`,
  prepaidTypeInvalid: (value: string) => `Invalid prepaidType ${value}: expected one of ${PREPAID_TYPES.join(', ')}`,
  upsalePaySource: (value: string) => `paySource ${value} cannot be used on Import Upsale: it is charged to the order's pay source, or PREPAID with prepaidType`,
  eciInvalid: (field: string) => `${field} must be a 2-digit Electronic Commerce Indicator`,
  threeDsIncomplete: 'External 3-D Secure needs both cavv and eci',
  redirectsRequired: (what: string) => `${what} requires redirectsTo and errorRedirectsTo`,
  paypalNeedsSalesUrl: 'PayPal requires salesUrl, redirectsTo and errorRedirectsTo',
  invalidCard: 'Transaction Declined: Invalid Card Number',
  expiredCard: 'Transaction Declined: Expired Card',
  invalidCvv: 'Transaction Declined: Invalid Security Code',
  paypalParams: 'token and payerId are required',
  paypalToken: (token: string) => `Invalid PayPal token ${token}`,
  paypalUsed: 'This PayPal token has already been used',
  paypalNotApproved: 'The payer has not yet approved this PayPal payment',
  queryParams: 'Send orderId or emailAddress',
  queryEmpty: 'No orders matching query',
};

export const error = (message: string | Record<string, string>): KonnektiveAnswer => errorEnvelope(message);
export const success = (message: unknown): KonnektiveAnswer => ({ result: 'SUCCESS', message });
export const hex = (bytes: number) => randomBytes(bytes).toString('hex');
export const cents = (n: number) => Math.round(n * 100) / 100;
export const isoNow = (ctx: ApiContext) => new Date(ctx.now()).toISOString();

export function findCampaign(params: Params, ctx: ApiContext): Campaign | KonnektiveAnswer {
  const id = params.campaignId;
  if (!id) return error(MESSAGES.campaignRequired);
  const campaign = /^\d{1,9}$/.test(id) ? ctx.campaigns.get(Number(id)) : undefined;
  return campaign ?? error(MESSAGES.campaignInvalid(id.slice(0, 40)));
}

export const isAnswer = (value: unknown): value is KonnektiveAnswer =>
  typeof value === 'object' && value !== null && 'result' in value;

/** The order a call names, or the answer Konnektive gives for an orderId it does not know. */
export function lookupOrder(orderId: string, ctx: ApiContext): Order | KonnektiveAnswer {
  return ctx.store.orders.get(orderId) ?? error(MESSAGES.orderNotFound(orderId.slice(0, 40)));
}

export function linkSession(ctx: ApiContext, order: Order, sessionId: string | undefined): void {
  if (!sessionId) return;
  order.sessionId = sessionId;
  const session = ctx.store.sessions.get(sessionId);
  if (session && !session.orderIds.includes(order.orderId)) session.orderIds.push(order.orderId);
}
