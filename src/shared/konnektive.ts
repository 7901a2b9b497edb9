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

/** Short names a page may use instead of Konnektive's own. */
export const PAGE_ALIASES: Readonly<Record<string, PageType>> = {
  presell: 'presellPage',
  lead: 'leadPage',
  checkout: 'checkoutPage',
  upsell: 'upsellPage1',
  upsell1: 'upsellPage1',
  upsell2: 'upsellPage2',
  upsell3: 'upsellPage3',
  upsell4: 'upsellPage4',
  thankyou: 'thankyouPage',
};

/** Resolves a short or Konnektive page-type name; undefined when it is neither. */
export function toPageType(name: string): PageType | undefined {
  if ((PAGE_TYPES as readonly string[]).includes(name)) return name as PageType;
  return PAGE_ALIASES[name];
}

/**
 * Konnektive's field-length limits (Import Order's, the strictest of lead and order, so a lead
 * that passes can always become an order). Grouped by limit to keep the browser bundle small.
 */
const LENGTH_GROUPS: ReadonlyArray<readonly [number, string]> = [
  [2, 'country shipCountry'],
  [6, 'state shipState'],
  [20, 'postalCode shipPostalCode phoneNumber'],
  [
    30,
    'firstName lastName companyName address1 address2 city shipFirstName shipLastName shipCompanyName ' +
      'shipAddress1 shipAddress2 shipCity sourceValue1 sourceValue2 sourceValue3 sourceValue4 sourceValue5',
  ],
  [10, 'affId'],
  [50, 'custom1 custom2 custom3 custom4 custom5 couponCode'],
  [255, 'emailAddress'],
];

export const FIELD_MAX_LENGTH: Readonly<Record<string, number>> = Object.fromEntries(
  LENGTH_GROUPS.flatMap(([limit, names]) => names.split(' ').map((name) => [name, limit])),
);

/** Customer fields a partial lead carries (never card data). */
export const LEAD_FIELDS = [
  'firstName',
  'lastName',
  'companyName',
  'emailAddress',
  'phoneNumber',
  'address1',
  'address2',
  'city',
  'state',
  'postalCode',
  'country',
  'billShipSame',
  'shipFirstName',
  'shipLastName',
  'shipCompanyName',
  'shipAddress1',
  'shipAddress2',
  'shipCity',
  'shipState',
  'shipPostalCode',
  'shipCountry',
] as const;

/** Card fields: only sent with paySource=CREDITCARD, never stored, never logged. */
export const CARD_FIELDS = ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode'] as const;

/** The decline texts Konnektive returns verbatim, and the reason kfunnel routes them under. */
export const ROUTED_DECLINES: Readonly<Record<string, 'prepaid' | 'debit' | 'mastercard'>> = {
  'Transaction Declined: Prepaid Credit Cards Are Not Accepted': 'prepaid',
  'Transaction Declined: Debit Cards Are Not Accepted': 'debit',
  'Transaction Declined: MASTERCARD is not a supported card type.': 'mastercard',
};

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
