import { emit } from './events.js';
import { log } from './log.js';
/**
 * Reports the purchase the proxy put in an answer: the order as its orderId, each upsale as
 * `<orderId>-U<n>` (src/proxy/purchase.ts). Only the answer that made the sale carries one (replays
 * do not), so a resent attempt, a resubmitted checkout or a second tab never counts it twice. Fires
 * kfunnel:purchase, then, unless data-analytics="off", a GA4 purchase into window.dataLayer and a Meta
 * Purchase into window.fbq with eventID = transaction id (a server-side Conversions API copy then
 * deduplicates).
 */
export function trackPurchase(ctx, target, found) {
    if (!found)
        return;
    const { currency, analytics } = ctx.config;
    const { transaction_id: id, value, items } = found;
    const detail = { transaction_id: id, value, currency, items };
    emit(target, 'purchase', detail);
    const { dataLayer, fbq } = ctx.win;
    // The page's tags are the page's: a broken one must not stop the funnel (the next page is still to come).
    try {
        if (!analytics)
            return;
        dataLayer?.push({ ecommerce: null }, { event: 'purchase', ecommerce: { ...detail } });
        const contents = items.map(({ item_id: id, quantity }) => ({ id, quantity }));
        fbq?.('track', 'Purchase', { value, currency, content_ids: contents.map((c) => c.id), contents, content_type: 'product' }, { eventID: id });
    }
    catch (error) {
        log.error(error);
    }
}
