/**
 * Facts about the Konnektive API that the browser script, the proxy and the sandbox all rely on.
 * Source: ../shared/reference/konnektive-api.md (sections 1, 4-9).
 */

/** The calls kfunnel makes, keyed by proxy route name, with Konnektive's endpoint path. */
export const ENDPOINTS = {
  click: '/landers/clicks/import/',
  lead: '/leads/import/',
  order: '/order/import/',
  paypal: '/transactions/confirmPaypal/',
  upsale: '/upsale/import/',
  confirm: '/order/confirm/',
} as const;

export type RouteName = keyof typeof ENDPOINTS;

/**
 * The calls that can charge money. The proxy gives them an Idempotency-Key, an Origin check and the
 * long timeout; the browser gives each attempt a key.
 */
export const MONEY_ROUTES: readonly RouteName[] = ['order', 'upsale', 'paypal'];

/** Konnektive's page types, in funnel order. */
export const PAGE_TYPES = [
  'presellPage',
  'leadPage',
  'checkoutPage',
  'upsellPage1',
  'upsellPage2',
  'upsellPage3',
  'upsellPage4',
  'thankyouPage',
] as const;

export type PageType = (typeof PAGE_TYPES)[number];

/**
 * Resolves a page-type name: Konnektive's own, or the short form (`checkout`, `upsell2`, and `upsell`
 * for `upsell1`). Undefined when it is neither.
 */
export function toPageType(name: string): PageType | undefined {
  return PAGE_TYPES.find((type) => [type, type.replace('Page', ''), type.replace('Page1', '')].includes(name));
}

/**
 * Konnektive's field-length limits for the address fields, billing and shipping alike (Import
 * Order's, the strictest of lead and order, so a lead that passes can always become an order).
 */
const ADDRESS_LIMITS: Record<string, number> = {
  FirstName: 30,
  LastName: 30,
  CompanyName: 30,
  Address1: 30,
  Address2: 30,
  City: 30,
  State: 6,
  PostalCode: 20,
  Country: 2,
};

/** The address fields by their shipping names without `ship` (FirstName...); the billing ones start lower-case. */
export const ADDRESS_FIELDS: readonly string[] = /* @__PURE__ */ Object.keys(ADDRESS_LIMITS);

/** The billing field of an address field: `FirstName` -> `firstName`. */
// Asserted, not checked: the names are non-empty literals, and the browser bundle counts every byte.
export const billing = (field: string) => field[0]!.toLowerCase() + field.slice(1);

export const FIELD_MAX_LENGTH: Readonly<Record<string, number>> = Object.fromEntries([
  ['emailAddress', 255],
  ['phoneNumber', 20],
  ...Object.entries(ADDRESS_LIMITS).flatMap(([field, limit]) => [
    [billing(field), limit],
    [`ship${field}`, limit],
  ]),
]);

/** Customer fields a partial lead carries (never card data): contact, billing and shipping address. */
export const LEAD_FIELDS: readonly string[] = ['billShipSame', ...Object.keys(FIELD_MAX_LENGTH)];

/** Affiliate fields, which Konnektive also reads from the click's requestUri. */
export const AFFILIATE_FIELD = /^(affId|sourceValue[1-5])$/;

/** Custom fields: custom1-5 and the CRM's own custom_order_* / custom_customer_* fields. */
export const CUSTOM_FIELD = /^(custom[1-5]|custom_(order|customer)_\w{1,40})$/;

/**
 * Konnektive's limits on the affiliate and custom fields (konnektive-api.md, Import Order). The
 * couponCode limit is not documented: 50 is the sandbox's guess, kept here beside the others.
 */
export const OTHER_MAX_LENGTH: Readonly<Record<string, number>> = {
  affId: 10,
  couponCode: 50,
  sourceValue1: 30,
  sourceValue2: 30,
  sourceValue3: 30,
  sourceValue4: 30,
  sourceValue5: 30,
  custom1: 50,
  custom2: 50,
  custom3: 50,
  custom4: 50,
  custom5: 50,
};

/** Card fields: only sent with paySource=CREDITCARD, never stored, never logged. */
export const CARD_FIELDS = ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode'] as const;

/** Konnektive's response envelope. */
export interface KonnektiveAnswer {
  result: 'SUCCESS' | 'ERROR' | 'MERC_REDIRECT' | string;
  message: unknown;
}

/** The proxy's own refusals add a stable code to the same envelope. */
export interface ProxyRefusal {
  result: 'ERROR';
  message: string;
  code: string;
}

/**
 * Every ERROR body kfunnel writes, made here so they all keep one shape: Konnektive's `{result,
 * message}` (the sandbox), plus a stable `code` on the proxy's and the servers' own refusals.
 */
export function errorEnvelope(message: string, code: string): ProxyRefusal;
export function errorEnvelope(message: unknown): KonnektiveAnswer;
export function errorEnvelope(message: unknown, code?: string): KonnektiveAnswer | ProxyRefusal {
  return code === undefined ? { result: 'ERROR', message } : { result: 'ERROR', message, code };
}

/**
 * Alternative payment methods Konnektive takes as `paySource=PREPAID` with `prepaidType`; it answers
 * MERC_REDIRECT to the provider's page, which returns through redirectsTo / errorRedirectsTo.
 */
export const PREPAID_TYPES: readonly string[] = ['KLARNA', 'IDEAL', 'BANCONTACT', 'BLIK', 'P24', 'EPS', 'TWINT', 'TRUSTLY', 'SWISH', 'MBWAY', 'MULTIBANCO', 'BIZUM', 'PAYU'];
