import { AFFILIATE_FIELD, CARD_FIELDS, CUSTOM_FIELD, LEAD_FIELDS, MONEY_ROUTES, PREPAID_TYPES, type RouteName } from '../shared/konnektive.js';
import type { ProxyConfig } from './config.js';
import { Refusal } from './refusals.js';

type FieldRule = string | RegExp;

const CUSTOMER: FieldRule[] = [...LEAD_FIELDS];
const AFFILIATE: FieldRule[] = [AFFILIATE_FIELD];
const CUSTOM: FieldRule[] = [CUSTOM_FIELD];
const PRODUCTS: FieldRule[] = [/^product([1-9]|1\d|20)_(id|qty)$/, /^variant([1-9]|1\d|20)_id$/];
const RETURN_URLS: FieldRule[] = ['redirectsTo', 'errorRedirectsTo'];
/** Results of the merchant's own 3-D Secure provider, for the sale and the rebills. */
const EXTERNAL_3DS: FieldRule[] = ['cavv', 'eci', 'xid', 'rebill_cavv', 'rebill_eci'];

export interface RoutePolicy {
  /** Parameters the browser may send; anything else is dropped and named in KFunnel-Ignored-Fields. */
  fields: FieldRule[];
  /** Charges money (MONEY_ROUTES): needs an Idempotency-Key, an Origin, and gets the long timeout. */
  money: boolean;
  /** Takes an Idempotency-Key (money routes require one). */
  idempotent: boolean;
  /** The proxy adds the visitor's ipAddress / userAgent. */
  addIpAddress: boolean;
  addUserAgent: boolean;
  /** Takes campaignId (filled from KFUNNEL_CAMPAIGN_IDS when there is exactly one). */
  campaign: boolean;
  /** Needs an orderId the visitor holds ('required'), or when one is named ('named'); refused otherwise with not_your_order. */
  order: 'required' | 'named' | 'none';
  /** Sent without orderId, the proxy first makes the lead, so a lost answer can always be settled by orderId. */
  makesLead: boolean;
  /** Konnektive gets signed return links (3-D Secure, PayPal, redirect payments) instead of the page's URLs. */
  signedReturn: boolean;
  /** A COMPLETE order in the answer is recorded as paid: resubmitting it replays the answer, charging nothing. */
  recordsPaid: boolean;
  /** Answered from the paid-order record when the named order is already paid. */
  replaysPaid: boolean;
  /** How a lost answer is settled before anything is resent (see upstream.ts). */
  settle: 'order' | 'upsale' | 'lead' | 'resend';
  /** The orderId in the answer is the visitor's from now on (and goes into the kf_oid cookie). */
  grantsOrder: boolean;
  /** A KFunnel-Handoff header from another domain is redeemed here (the page's first call). */
  redeemsHandoff: boolean;
  /** A page view: the visitor cookie's lifetime starts again. */
  renewsVisitor: boolean;
  /** Card fields are checked (src/shared/cards.ts) before anything is sent: 400 invalid_card names each bad one. */
  checksCard: boolean;
  /** PayPal orders get forceMerchantId / paypalBillerId from KFUNNEL_PAYPAL_MERCHANT_ID. */
  paypalMerchant: boolean;
  /** A completed order in the answer is a purchase: the answer gets its GA4-shaped `purchase` (purchase.ts). */
  tracksPurchase: boolean;
  /** A PayPal order's products are kept ('keep'), and sent again with Confirm PayPal ('resend'): paypal-resend.ts. */
  paypalOrder: 'keep' | 'resend' | 'none';
}

/** The field policy: one row per route; whether it moves money comes from MONEY_ROUTES. */
const ROWS: Record<RouteName, Omit<RoutePolicy, 'money'>> = {
  click: {
    fields: ['pageType', 'campaignId', 'sessionId', 'requestUri', 'httpReferer', 'userAgent', 'fraudPixel', ...AFFILIATE],
    idempotent: false,
    addIpAddress: true,
    addUserAgent: true,
    campaign: true,
    order: 'none',
    makesLead: false,
    signedReturn: false,
    recordsPaid: false,
    replaysPaid: false,
    settle: 'resend',
    grantsOrder: false,
    redeemsHandoff: true,
    renewsVisitor: true,
    checksCard: false,
    paypalMerchant: false,
    tracksPurchase: false,
    paypalOrder: 'none',
  },
  lead: {
    fields: ['campaignId', 'sessionId', 'orderId', ...CUSTOMER, ...AFFILIATE, ...CUSTOM],
    idempotent: true,
    addIpAddress: true,
    addUserAgent: false,
    campaign: true,
    order: 'named',
    makesLead: false,
    signedReturn: false,
    recordsPaid: false,
    replaysPaid: false,
    settle: 'lead',
    grantsOrder: true,
    redeemsHandoff: false,
    renewsVisitor: false,
    checksCard: false,
    paypalMerchant: false,
    tracksPurchase: false,
    paypalOrder: 'none',
  },
  order: {
    fields: [
      'campaignId', 'sessionId', 'orderId', ...CUSTOMER, ...AFFILIATE, ...CUSTOM, 'paySource', ...CARD_FIELDS,
      'shipProfileId', 'couponCode', 'insureShipment', ...PRODUCTS, 'salesUrl', ...RETURN_URLS,
      'prepaidType', 'paypalClientMetadataId', ...EXTERNAL_3DS,
    ],
    idempotent: true,
    addIpAddress: true,
    addUserAgent: true,
    campaign: true,
    order: 'named',
    makesLead: true,
    signedReturn: true,
    recordsPaid: true,
    replaysPaid: true,
    settle: 'order',
    grantsOrder: true,
    redeemsHandoff: false,
    renewsVisitor: false,
    checksCard: true,
    paypalMerchant: true,
    tracksPurchase: true,
    paypalOrder: 'keep',
  },
  upsale: {
    fields: ['campaignId', 'sessionId', 'orderId', 'productId', 'productQty', 'replaceProductId', ...PRODUCTS, ...RETURN_URLS, 'paySource', 'prepaidType'],
    idempotent: true,
    addIpAddress: true,
    addUserAgent: false,
    campaign: true,
    order: 'required',
    makesLead: false,
    signedReturn: true,
    recordsPaid: false,
    replaysPaid: false,
    settle: 'upsale',
    grantsOrder: false,
    redeemsHandoff: false,
    renewsVisitor: false,
    checksCard: false,
    paypalMerchant: false,
    tracksPurchase: true,
    paypalOrder: 'none',
  },
  paypal: {
    fields: ['campaignId', 'sessionId', 'orderId', 'token', 'payerId', ...PRODUCTS, 'couponCode', 'shipProfileId', 'paypalClientMetadataId'],
    idempotent: true,
    addIpAddress: false,
    addUserAgent: false,
    campaign: true,
    order: 'required',
    makesLead: false,
    signedReturn: false,
    recordsPaid: true,
    replaysPaid: false,
    settle: 'order',
    grantsOrder: false,
    redeemsHandoff: false,
    renewsVisitor: false,
    checksCard: false,
    paypalMerchant: false,
    tracksPurchase: true,
    paypalOrder: 'resend',
  },
  confirm: {
    fields: ['orderId'],
    idempotent: true,
    addIpAddress: false,
    addUserAgent: false,
    campaign: false,
    order: 'required',
    makesLead: false,
    signedReturn: false,
    recordsPaid: false,
    replaysPaid: false,
    settle: 'resend',
    grantsOrder: false,
    redeemsHandoff: false,
    renewsVisitor: false,
    checksCard: false,
    paypalMerchant: false,
    tracksPurchase: false,
    paypalOrder: 'none',
  },
};

export const ROUTE_POLICY = Object.fromEntries(
  Object.entries(ROWS).map(([route, row]) => [route, { ...row, money: MONEY_ROUTES.includes(route as RouteName) }]),
) as Record<RouteName, RoutePolicy>;

/**
 * The parameters of `params` that `route` takes, with the proxy's own additions it takes too: the
 * lead the proxy makes before an order gets what Import Lead takes, by the lead's row.
 */
export function paramsFor(route: RouteName, params: Record<string, string>): Record<string, string> {
  const policy = ROUTE_POLICY[route];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) {
    const added = (name === 'ipAddress' && policy.addIpAddress) || (name === 'userAgent' && policy.addUserAgent);
    if (added || allowed(policy.fields, name)) out[name] = value;
  }
  return out;
}

/** Only the proxy sends these. Matched without regard to case, since a server may not care either. */
const CREDENTIALS = /^(loginid|password)$/i;
/** Price, shipping and tax overrides: refused unless KFUNNEL_ALLOW_PRICE_OVERRIDES is on. */
const PRICE_OVERRIDES = /^(product\d+_(price|shipprice)|productprice|productshipprice|productsalestax|salestax|shipupcharge)$/i;
const PAY_SOURCES = ['CREDITCARD', 'PAYPAL', 'PREPAID'];
const URL_FIELDS = new Set(['requestUri', 'httpReferer', 'salesUrl', 'redirectsTo', 'errorRedirectsTo']);
const MAX_VALUE = 500;
const DIGITS_ONLY: ReadonlyArray<readonly [string, RegExp]> = [
  ['cardNumber', /[\s-]/g],
  ['phoneNumber', /\D/g],
];
const MAX_URL_VALUE = 4096;

const allowed = (rules: FieldRule[], name: string) => rules.some((rule) => (typeof rule === 'string' ? rule === name : rule.test(name)));

export interface PolicyResult {
  params: Record<string, string>;
  ignored: string[];
}

/** Applies a route's policy to what the browser sent. Throws a Refusal for anything it must refuse. */
export function applyPolicy(route: RouteName, input: Record<string, string>, config: ProxyConfig): PolicyResult {
  const policy = ROUTE_POLICY[route];
  const params: Record<string, string> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (CREDENTIALS.test(name)) throw new Refusal('credentials_in_request');
    const override = PRICE_OVERRIDES.test(name);
    if (override && !config.allowPriceOverrides) throw new Refusal('price_override', name);
    if (value.length > (URL_FIELDS.has(name) ? MAX_URL_VALUE : MAX_VALUE)) throw new Refusal('field_too_long', name);
    if (allowed(policy.fields, name) || (override && config.allowPriceOverrides)) params[name] = value;
    else ignored.push(name);
  }
  if (params.paySource !== undefined && !PAY_SOURCES.includes(params.paySource)) throw new Refusal('bad_pay_source');
  if ((params.paySource === 'PREPAID') !== (params.prepaidType !== undefined) || (params.prepaidType !== undefined && !PREPAID_TYPES.includes(params.prepaidType))) {
    throw new Refusal('bad_prepaid_type');
  }
  // Card and phone numbers reach Konnektive as digits, however the visitor typed them. The card check
  // (cardProblems, run after this) still sees anything but spaces and dashes in a card number.
  for (const [name, strip] of DIGITS_ONLY) if (params[name] !== undefined) params[name] = params[name].replace(strip, '');
  if (policy.campaign) {
    const [only, ...others] = config.campaignIds;
    if (params.campaignId === undefined && only !== undefined && !others.length) params.campaignId = only;
    if (params.campaignId !== undefined && config.campaignIds.length && !config.campaignIds.includes(params.campaignId)) {
      throw new Refusal('campaign_not_allowed', params.campaignId.slice(0, 20));
    }
  }
  return { params, ignored };
}
