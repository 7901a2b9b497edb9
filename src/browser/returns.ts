import { sendAttempt } from './attempts.js';
import type { Context } from './context.js';
import { fail, setBusy, settle, type Action } from './forms.js';
import { message } from './messages.js';
import { funnelIds } from './payload.js';

/** Query parameters that bring a visitor to a page from elsewhere; handled once, then removed. */
const ARRIVAL_PARAMS = ['sessionId', 'kf_h', 'errorMsg', 'token', 'PayerID', 'paypalAccept'];

/**
 * Splits the arrival parameters off a URL, textually: the query is cut on `&`, the pairs named as ours
 * go, every other byte stays as it was (`+`, `%20`, `%E9`, `;`, a name without `=`, the fragment), so
 * affiliate and ad values reach Konnektive and the page's other tags exactly as typed. `url` is the
 * same string when none was there. The first value of a repeated name counts.
 */
export function splitArrival(href: string): { url: string; found: Record<string, string> } {
  const [, path, query = '', hash] = href.match(/^([^?#]*)(?:\?([^#]*))?(.*)$/)!;
  const found: Record<string, string> = {};
  const kept = query.split('&').filter((pair) => {
    const [name] = pair.split('=') as [string];
    if (!ARRIVAL_PARAMS.includes(name)) return true;
    // URLSearchParams decodes as Konnektive's return does (+ is a space) and never throws on a bad escape.
    found[name] ??= new URLSearchParams(pair).get(name)!;
  });
  const rest = kept.join('&');
  return { url: rest === query ? href : path + (kept.length ? `?${rest}` : '') + hash, found };
}

/**
 * Reads and removes the arrival parameters: a sessionId handed over by another domain becomes this
 * site's session; the rest are returned for handleReturns. The address bar is touched only when one was there, so a reload or a bookmark cannot
 * replay them, and nothing else in it changes.
 */
export function takeArrival(ctx: Context): Record<string, string | undefined> {
  const { location, history } = ctx.win;
  const { url, found } = splitArrival(location.href);
  if (found.sessionId) ctx.session.set('sessionId', found.sessionId);
  try {
    if (url !== location.href) history.replaceState(history.state, '', url);
  } catch {
    // The parameters stay in the address bar; they are handled once anyway.
  }
  return found;
}

/**
 * Arrivals back from a payment detour: a failed 3-D Secure or a cancelled PayPal (errorMsg) is shown
 * on the form that started it; PayPal's approval (token and PayerID) is confirmed here with Confirm
 * PayPal, then the order form's data-kf-next follows.
 */
export async function handleReturns(ctx: Context, { errorMsg, token, PayerID }: Record<string, string | undefined>): Promise<void> {
  const form = ctx.doc.querySelector<HTMLFormElement>('form[data-kf-form=order],form[data-kf-form=upsale]');
  const kind = (form?.getAttribute('data-kf-form') ?? 'order') as Action;
  if (errorMsg) fail(ctx, form, kind, 'payment_failed', message('threeDs', { reason: errorMsg.slice(0, 300) }));
  if (!token || !PayerID) return;
  const orderForm = kind === 'order' ? form : null;
  if (orderForm) setBusy(orderForm, true);
  await ctx.clickDone;
  // The token left the address bar above, so a reload cannot confirm again; a resend reuses the key. The
  // proxy adds the order's products, coupon and ship profile, which Konnektive's legacy flow wants again.
  settle(ctx, orderForm, 'paypal', await sendAttempt(ctx, 'paypal', { ...funnelIds(ctx), token, payerId: PayerID }));
}
