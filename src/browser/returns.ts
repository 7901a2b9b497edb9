import type { Context } from './context.js';
import type { Action, Forms } from './forms.js';
import { message } from './messages.js';
import { formValues, funnelIds, replaceUrl, RETURN_PARAMS } from './payload.js';

/** What Konnektive's legacy PayPal flow wants again on Confirm PayPal. */
const PAYPAL_RESEND = /^(product\d+_(id|qty)|couponCode|shipProfileId)$/;

/**
 * Arrivals back from a payment detour: a failed 3-D Secure or a cancelled PayPal (?errorMsg=...) is
 * shown on the form that started it; PayPal's approval (?token=...&PayerID=...) is confirmed here
 * with Confirm PayPal, then the order form's data-kf-next follows.
 */
export async function handleReturns(ctx: Context, forms: Forms): Promise<void> {
  const url = new URL(ctx.win.location.href);
  const params = url.searchParams;
  const [errorMsg, token, payerId] = ['errorMsg', 'token', 'PayerID'].map((name) => params.get(name));
  if (!errorMsg && !(token && payerId)) return;
  for (const name of RETURN_PARAMS) if (name !== 'sessionId') params.delete(name);
  replaceUrl(ctx.win, url);
  const form = ctx.doc.querySelector<HTMLFormElement>('form[data-kf-form=order],form[data-kf-form=upsale]');
  if (errorMsg) forms.fail(form, (form?.getAttribute('data-kf-form') ?? 'order') as Action, 'payment_failed', message('threeDs', { reason: errorMsg.slice(0, 300) }));
  if (token && payerId) {
    const orderForm = form?.getAttribute('data-kf-form') === 'order' ? form : null;
    if (orderForm) forms.setBusy(orderForm, true);
    await ctx.clickDone;
    const payload: Record<string, string> = {};
    for (const [name, value] of Object.entries(orderForm ? formValues(orderForm) : {})) if (PAYPAL_RESEND.test(name)) payload[name] = value;
    Object.assign(payload, funnelIds(ctx), { token, payerId });
    // One key per PayPal token: reloading this page can never confirm twice.
    forms.settle(orderForm, 'paypal', await forms.sendAttempt('paypal', payload, `paypal-${token.replace(/\W/g, '').slice(0, 90)}`));
  }
}
