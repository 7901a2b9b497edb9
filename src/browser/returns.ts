import type { Context } from './context.js';
import type { Action, Forms } from './forms.js';
import { message } from './messages.js';
import { formValues, funnelIds } from './payload.js';

/** Query parameters that bring a visitor to a page from elsewhere; handled once, then removed. */
const ARRIVAL_PARAMS = ['sessionId', 'kf_h', 'errorMsg', 'token', 'PayerID', 'paypalAccept'];
/** What Konnektive's legacy PayPal flow wants again on Confirm PayPal. */
const PAYPAL_RESEND = /^(product\d+_(id|qty)|couponCode|shipProfileId)$/;

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
    const [name] = pair.split('=');
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
export async function handleReturns(ctx: Context, forms: Forms, { errorMsg, token, PayerID }: Record<string, string | undefined>): Promise<void> {
  const form = ctx.doc.querySelector<HTMLFormElement>('form[data-kf-form=order],form[data-kf-form=upsale]');
  if (errorMsg) forms.fail(form, (form?.getAttribute('data-kf-form') ?? 'order') as Action, 'payment_failed', message('threeDs', { reason: errorMsg.slice(0, 300) }));
  if (!token || !PayerID) return;
  const orderForm = form?.getAttribute('data-kf-form') === 'order' ? form : null;
  if (orderForm) forms.setBusy(orderForm, true);
  await ctx.clickDone;
  const payload: Record<string, string> = {};
  for (const [name, value] of Object.entries(orderForm ? formValues(orderForm) : {})) if (PAYPAL_RESEND.test(name)) payload[name] = value;
  Object.assign(payload, funnelIds(ctx), { token, payerId: PayerID });
  // The token left the address bar above, so a reload cannot confirm again; a resend reuses the key.
  forms.settle(orderForm, 'paypal', await forms.sendAttempt('paypal', payload));
}
