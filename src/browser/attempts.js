import { STORAGE_KEYS } from './context.js';
import { fingerprint, randomKey } from './payload.js';
/**
 * Sends one attempt. Its Idempotency-Key is kept (in sessionStorage, beside only a hash of the
 * payload) until the attempt has a definite answer, so resending the same attempt, even after a
 * reload, reuses the key, and the proxy can never charge it twice. Forms and partial leads both send
 * through here, so a partial lead and the submit that repeats it are one attempt.
 */
export async function sendAttempt(ctx, route, payload, keepalive) {
    const slot = STORAGE_KEYS.attempt + route;
    const hash = fingerprint(payload);
    const open = ctx.storage.get(slot);
    const key = open?.hash === hash ? open.key : randomKey(ctx.win);
    ctx.storage.set(slot, { key, hash });
    const result = await ctx.send(route, payload, { idempotencyKey: key, keepalive });
    if (result.ok || !result.retryable)
        ctx.storage.remove(slot);
    // The proxy no longer counts this browser as the kf_oid order's owner (a visitor from before visitor
    // cookies): forget that order and resend once without it, as a new lead, so the checkout is never stuck.
    // Lead and order only: an upsale or a PayPal confirmation has no order of its own to start.
    if (!result.ok && result.code === 'not_your_order' && payload.orderId && (route === 'lead' || route === 'order')) {
        ctx.session.clear('orderId');
        delete payload.orderId; // each caller built this payload for this one call
        return sendAttempt(ctx, route, payload, keepalive);
    }
    return result;
}
/** Keeps a result's orderId (cookie) and its fields for data-kf-text and purchases (sessionStorage). */
export function remember(ctx, result) {
    ctx.session.set('orderId', result?.orderId);
    if (result && typeof result === 'object')
        ctx.storage.set(STORAGE_KEYS.last, { ...ctx.storage.get(STORAGE_KEYS.last), ...result });
}
