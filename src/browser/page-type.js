import { PAGE_TYPES, toPageType } from '../shared/konnektive.js';
import { log } from './log.js';
/** What a page's forms say about it, strongest first. */
const INFERRED = [
    ['order', 'checkoutPage'],
    ['lead', 'leadPage'],
    ['upsale', 'upsellPage1'],
];
/**
 * Page type in DESIGN's order: data-page on the script tag, data-kf-page on <body> or <html>, the
 * forms on the page, else presell. An unknown name is an error (undefined): no call is made.
 */
export function detectPageType(declared, doc) {
    const named = declared ?? doc.body?.getAttribute('data-kf-page') ?? doc.documentElement.getAttribute('data-kf-page');
    if (named) {
        const pageType = toPageType(named.trim());
        if (!pageType)
            log.error(`unknown page type "${named}": use ${PAGE_TYPES}`);
        return pageType;
    }
    for (const [form, pageType] of INFERRED)
        if (doc.querySelector(`form[data-kf-form=${form}]`))
            return pageType;
    return 'presellPage';
}
