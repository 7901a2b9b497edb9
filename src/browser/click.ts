import { STORAGE_KEYS, type Context } from './context.js';
import { emit } from './events.js';
import { log } from './log.js';
import { pageUrl } from './payload.js';
import { injectPixel } from './pixels.js';
import { trackPurchase } from './purchase.js';

/**
 * Import Click, made on every page. The first click of a visit sends the page URL as `requestUri`
 * (byte for byte as the address bar holds it, minus the fragment: affId and passed values keep their
 * case and their escapes), the user agent, and the referrer (the page itself when there is none, so its
 * UTMs reach Konnektive). Every later click sends the sessionId instead.
 */
export function clickPayload(ctx: Context): Record<string, string> {
  const { win, config, pageType } = ctx;
  const sessionId = ctx.session.get('sessionId');
  const requestUri = pageUrl(win);
  const payload: Record<string, string> = sessionId
    ? { pageType, sessionId }
    : { pageType, requestUri, userAgent: win.navigator.userAgent, httpReferer: ctx.doc.referrer || requestUri };
  if (config.campaignId) payload.campaignId = config.campaignId;
  if (config.fraudPixel && pageType === 'checkoutPage') payload.fraudPixel = '1';
  return payload;
}

/**
 * Sends the click, retrying a lost one; a session Konnektive refuses is replaced by a new one. A hand-off
 * grant this page arrived with (kf_h) goes with it, as the KFunnel-Handoff header.
 */
export async function trackClick(ctx: Context, handoff?: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const payload = clickPayload(ctx);
    const result = await ctx.send('click', payload, handoff ? { headers: { [STORAGE_KEYS.handoff]: handoff } } : {});
    if (result.ok) {
      ctx.session.set('sessionId', result.message?.sessionId);
      if (ctx.config.pixels) injectPixel(ctx.doc, result.message?.pixel);
      // A sale completed while the visitor was away (3-D Secure, a redirect payment) is reported on arrival.
      trackPurchase(ctx, ctx.doc, result.purchase);
      emit(ctx.doc, 'session', { sessionId: ctx.session.get('sessionId'), pageType: ctx.pageType, result: result.message });
      return;
    }
    if (result.code === 'konnektive' && payload.sessionId) ctx.session.clear('sessionId');
    else if (!result.retryable) break;
    else await new Promise((resolve) => setTimeout(resolve, 2 * ctx.delayMs));
  }
  log.error('Import Click failed');
}
