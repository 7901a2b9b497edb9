/** Everything the script reads from its own tag, read once, with every default visible here. */
export interface FunnelConfig {
  /** data-campaign-id: sent with every call (the proxy may fill it instead). */
  campaignId?: string;
  /** data-endpoint: the proxy's base URL, resolved against the page (never the script's CDN origin). */
  endpoint: string;
  /** data-page: page type, overriding detection. */
  page?: string;
  /** data-debug: log each step. */
  debug: boolean;
  /** data-cookie-domain: share kf_sid / kf_oid across subdomains (e.g. ".example.com"). */
  cookieDomain?: string;
  /** data-kf-fraud-pixel: fraudPixel=1 on the checkout click (Kount device data collector). */
  fraudPixel: boolean;
  /** data-pixels="off": do not inject the pixel HTML Import Click answers with. */
  pixels: boolean;
  /** data-analytics="off": no purchase pushes to dataLayer / fbq (the kfunnel:purchase event still fires). */
  analytics: boolean;
  /** data-currency: ISO 4217 code of purchase events (Konnektive answers only with a currency symbol). */
  currency: string;
}

export const DEFAULTS = {
  endpoint: '/kfunnel',
  /** Lifetime of kf_sid / kf_oid: long enough for a visitor to come back to a checkout later. */
  cookieDays: 30,
  /** Browser-side wait for click, lead and confirm (the proxy gives up first, at 10 s). */
  timeoutMs: 15_000,
  /** Browser-side wait for order, upsale and PayPal (the proxy gives up first, at 45 s). */
  moneyTimeoutMs: 70_000,
  /**
   * The unit of the script's own waits: a partial lead is sent one unit after the visitor finishes a
   * field; a lost Import Click is sent again after two.
   */
  delayMs: 800,
  currency: 'USD',
};

/** A flag attribute is on when present (even empty), unless it says "false" or "0". */
const on = (value: string | null | undefined) => value != null && value !== 'false' && value !== '0';

export function readConfig(script: Element | null, doc: Document): FunnelConfig {
  const raw = (name: string) => script?.getAttribute(`data-${name}`);
  const attr = (name: string) => raw(name) || undefined;
  return {
    campaignId: attr('campaign-id'),
    endpoint: new URL(attr('endpoint') ?? DEFAULTS.endpoint, doc.baseURI).href.replace(/\/+$/, ''),
    page: attr('page'),
    debug: on(raw('debug')),
    cookieDomain: attr('cookie-domain'),
    fraudPixel: on(raw('kf-fraud-pixel')),
    pixels: raw('pixels') !== 'off',
    analytics: raw('analytics') !== 'off',
    currency: attr('currency') ?? DEFAULTS.currency,
  };
}
