export const DEFAULTS = {
    endpoint: '/kfunnel',
    /** Lifetime of kf_sid / kf_oid: long enough for a visitor to come back to a checkout later. */
    cookieDays: 30,
    /** Browser-side wait for click, lead and confirm (the proxy gives up first, at 10 s). */
    timeoutMs: 15000,
    /** Browser-side wait for order, upsale and PayPal (the proxy gives up first, at 45 s). */
    moneyTimeoutMs: 70000,
    /** A partial lead is sent this long after the visitor finishes a field. */
    partialLeadDelayMs: 800,
    currency: 'USD',
};
/** A flag attribute is on when present (even empty), unless it says "false" or "0". */
const on = (value) => value != null && value !== 'false' && value !== '0';
export function readConfig(script, doc) {
    const raw = (name) => script?.getAttribute(`data-${name}`);
    const attr = (name) => raw(name) || undefined;
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
