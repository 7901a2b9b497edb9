import { STORAGE_KEYS } from './context.js';
import { emit } from './events.js';
/** Konnektive's money fields (totalAmount, basePrice, baseShipping, salesTax, totalDiscount, amountPaid): two decimals. */
const MONEY = /Amount|Price|Shipping|Tax|Discount|Paid/;
/** Fills [data-kf-text="key"] from the last lead / order / upsale result (sessionStorage, never cookies). */
export function fillTexts(ctx) {
    const last = ctx.storage.get(STORAGE_KEYS.last) ?? {};
    for (const element of ctx.doc.querySelectorAll('[data-kf-text]')) {
        const key = element.getAttribute('data-kf-text');
        const value = last[key];
        if (value != null && typeof value !== 'object')
            element.textContent = MONEY.test(key) ? (+value).toFixed(2) : String(value);
    }
}
/**
 * The end of the funnel: Confirm Order, once per order, when the page asks for it ([data-kf-confirm]);
 * then the order cookie goes, so the next purchase starts clean.
 */
export async function finishFunnel(ctx) {
    const orderId = ctx.session.get('orderId');
    if (orderId && ctx.doc.querySelector('[data-kf-confirm]') && ctx.storage.get(STORAGE_KEYS.confirmed) !== orderId) {
        await ctx.clickDone;
        const result = await ctx.send('confirm', { orderId }, { idempotencyKey: `confirm-${orderId}` });
        emit(ctx.doc, result.ok ? 'success' : 'error', { action: 'confirm', result: result.message, code: !result.ok && result.code });
        if (result.ok)
            ctx.storage.set(STORAGE_KEYS.confirmed, orderId);
        else if (result.retryable)
            return; // Keep the order so a reload can confirm it.
    }
    ctx.session.clear('orderId');
    ctx.storage.remove(STORAGE_KEYS.lead);
}
