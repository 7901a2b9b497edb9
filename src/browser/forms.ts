import { CARD_FIELDS } from '../shared/konnektive.js';
import { remember, sendAttempt } from './attempts.js';
import { STORAGE_KEYS, type Context } from './context.js';
import { clearErrors, showErrors } from './errors-ui.js';
import { emit } from './events.js';
import { log } from './log.js';
import { message } from './messages.js';
import { formValues, funnelIds, pageUrl, resolveUrl } from './payload.js';
import { trackPurchase } from './purchase.js';
import type { Result } from './transport.js';
import { validate, type FieldError } from './validate.js';

/** The data-kf-form kinds, and whether each moves money (return links, "unknown outcome"). */
const FORM_KINDS: Record<string, boolean> = { lead: false, order: true, upsale: true };

/** Events name the call: lead, order, upsale, or paypal for Confirm PayPal. */
export type Action = 'lead' | 'order' | 'upsale' | 'paypal';

/** What submits a form: a button without a type, and type=submit or type=image buttons and inputs. */
const SUBMIT_CONTROLS = 'button:not([type]),[type=submit],[type=image]';

/** The payment a control selects: data-kf-paypal, or data-kf-pay="KLARNA" (any prepaidType). Card fields are then not sent. */
export function paymentOf(control: Element | null | undefined): Record<string, string> | undefined {
  const prepaidType = control?.getAttribute('data-kf-pay');
  return prepaidType ? { paySource: 'PREPAID', prepaidType } : control?.hasAttribute('data-kf-paypal') ? { paySource: 'PAYPAL' } : undefined;
}

/** What a failed call means for the visitor: a summary, field errors, maybe a decline route. */
export function explainFailure(action: Action, result: Extract<Result, { ok: false }>): [summary: string, fields: FieldError[], routed?: string] {
  const text = result.message;
  // Field by field: the proxy's card check names a message of the catalog and its values; Konnektive, its own text.
  const named = result.fields ?? (result.code === 'konnektive' && text && typeof text === 'object' && text);
  if (named) return [message('summary'), Object.entries(named).map(([name, value]) => ({ name, text: Array.isArray(value) ? message(...(value as [string, Record<string, number>?])) : String(value) }))];
  if (result.code !== 'konnektive') {
    return [message(!result.retryable ? 'error' : action === 'lead' ? 'network' : 'unknownOutcome', { reason: result.code }), []];
  }
  // Konnektive's three card-type declines ("Transaction Declined: Prepaid Credit Cards Are Not
  // Accepted", "...: Debit Cards...", "...: MASTERCARD is not a supported card type.") can be routed.
  const declined = String(text).match(/^Transaction Declined:\s*((prepaid|debit|mastercard)?.*?)\.?$/i);
  const routed = declined?.[2]?.toLowerCase();
  // An upsell is one click on the order's own card: nothing to change, so the offer is skipped (or routed).
  return [message(action === 'upsale' ? 'upsaleFailed' : routed ?? (declined ? 'declined' : 'error'), { reason: declined ? declined[1] : text }), [], routed];
}

/** A busy form: aria-busy (the one record of it), and its enabled submit controls disabled (marked, to re-enable just those). */
export function setBusy(form: HTMLFormElement, on: boolean): void {
  if (on) form.setAttribute('aria-busy', 'true');
  else form.removeAttribute('aria-busy');
  for (const control of form.querySelectorAll<HTMLButtonElement>(on ? SUBMIT_CONTROLS : '[data-kf-locked]')) {
    if (on !== control.disabled) control.disabled = control.toggleAttribute('data-kf-locked', on);
  }
}

export function fail(ctx: Context, form: HTMLFormElement | null, action: Action, code: string, summary: string, fields: FieldError[] = [], next?: string | null | false): false {
  if (form) {
    showErrors(form, fields, summary, next && resolveUrl(ctx.doc, next));
    setBusy(form, false);
  }
  emit(form ?? ctx.doc, 'error', { action, code, message: summary, fields });
  return false;
}

/** Turns a call's result into cookies, events and navigation. True when the call succeeded. */
export function settle(ctx: Context, form: HTMLFormElement | null, action: Action, result: Result): boolean {
  const { doc } = ctx;
  const target = form ?? doc;
  const next = form?.getAttribute('data-kf-next');
  if (!result.ok) {
    const [summary, fields, routed] = explainFailure(action, result);
    const routeTo = routed && form?.getAttribute('data-kf-prepaid-next');
    // A one-click upsell Konnektive did not add offers the way on: the form's next page. (After an unknown
    // outcome the visitor is asked to try again instead: the retry is never charged twice.)
    if (!routeTo) return fail(ctx, form, action, routed ?? result.code, summary, fields, action === 'upsale' && result.code === 'konnektive' && next);
    emit(target, 'error', { action, code: routed, message: summary, fields });
    // With ?sessionId=, as Konnektive's own kit sends it (the page may be another campaign's, elsewhere).
    const url = new URL(routeTo, doc.baseURI);
    url.searchParams.set('sessionId', ctx.session.get('sessionId') ?? '');
    ctx.navigate(url.href);
    return false;
  }
  if (result.result === 'SUCCESS') {
    trackPurchase(ctx, target, result.purchase);
    remember(ctx, result.message);
    emit(target, 'success', { action, result: result.message, replayed: result.replayed });
    if (next) ctx.navigate(resolveUrl(doc, next));
    else if (form) setBusy(form, false);
    return true;
  }
  // MERC_REDIRECT (3-D Secure, PayPal, redirect payments): the form stays locked while the visitor is away.
  const { url = result.message?.paypalUrl, script } = result.message ?? {};
  // Only a web page may be navigated to (a javascript: or data: URL would run in this page); without one, a script.
  if (url ? !/^https?:/i.test(url) : !script) return fail(ctx, form, action, 'bad_redirect', message('badRedirect'));
  emit(target, 'redirect', { action, url, script: !!script });
  if (url) ctx.navigate(url);
  // Konnektive's own 3-D Secure script: the page's Content-Security-Policy must allow it (README).
  else doc.body.append(Object.assign(doc.createElement('script'), { text: script }));
  return true;
}

/**
 * The submit pipeline: values -> validation -> payload -> before-submit -> call -> settle. An order
 * without an orderId goes as it is: the proxy makes its lead first and gives the visitor its orderId
 * (kf_oid), so even a declined first try keeps the lead and a retry reuses it.
 */
export async function submit(ctx: Context, partialLeadsIdle: () => Promise<unknown>, form: HTMLFormElement, payment?: Record<string, string>): Promise<boolean> {
  const kind = form.getAttribute('data-kf-form') as 'lead' | 'order' | 'upsale';
  if (!(kind in FORM_KINDS)) log.error(`data-kf-form="${kind}": use ${Object.keys(FORM_KINDS)}`);
  if (!(kind in FORM_KINDS) || form.hasAttribute('aria-busy')) return false;
  const raw = formValues(form);
  if (kind !== 'upsale') {
    // What the visitor typed (never the card) fills the next form: prefill, and a form restored after a failed payment.
    const kept: Record<string, string | undefined> = { ...ctx.storage.get<object>(STORAGE_KEYS.form), ...raw };
    // A box unchecked since (undefined: left out of the JSON) is not kept from before; an empty text field
    // never blanks what an earlier page saved.
    for (const { name, type } of form.elements as unknown as Iterable<HTMLInputElement>) if (/radio|checkbox/.test(type)) kept[name] = raw[name];
    for (const name of CARD_FIELDS) delete kept[name];
    ctx.storage.set(STORAGE_KEYS.form, kept);
  }
  // A payment control's choice (a lead form has none to make: the proxy would drop it there anyway).
  Object.assign(raw, payment);
  const skip = new Set<string>(raw.paySource && raw.paySource !== 'CREDITCARD' ? CARD_FIELDS : []);
  const problems = validate(form, raw, skip);
  if (problems.length) return fail(ctx, form, kind, 'invalid', message('summary'), problems);
  clearErrors(form);
  setBusy(form, true);
  try {
    // A partial lead in flight may be making the orderId this submit carries; the click, its sessionId.
    await partialLeadsIdle();
    await ctx.clickDone;
    const payload = { ...raw, ...funnelIds(ctx) };
    for (const name of skip) delete payload[name];
    if (FORM_KINDS[kind]) {
      const here = (payload.errorRedirectsTo = pageUrl(ctx.win));
      payload.redirectsTo = resolveUrl(ctx.doc, form.getAttribute('data-kf-next') ?? here);
      if (kind === 'order') payload.salesUrl = here;
      else if (!payload.orderId) return fail(ctx, form, kind, 'no_order', message('noOrder'));
    }
    if (!emit(form, 'before-submit', { action: kind, payload }, true)) {
      setBusy(form, false);
      return false;
    }
    return settle(ctx, form, kind, await sendAttempt(ctx, kind, payload));
  } catch (error) {
    log.error(error);
    return fail(ctx, form, kind, 'internal', message('error', { reason: error as string }));
  }
}

/** Takes over the page's data-kf-form forms and its PayPal, payment and decline controls. */
export function bindForms(ctx: Context, partialLeadsIdle: () => Promise<unknown>): (form: HTMLFormElement) => Promise<boolean> {
  const { doc } = ctx;
  const send = (form: HTMLFormElement, payment?: Record<string, string>) => submit(ctx, partialLeadsIdle, form, payment);
  // kfunnel's own checks and messages replace the browser's pop-ups (which would also block PayPal on a
  // form whose card fields are required); POST keeps a card out of the URL should the script not run.
  for (const form of doc.querySelectorAll<HTMLFormElement>('form[data-kf-form]')) {
    form.noValidate = true;
    form.method = 'post';
  }
  doc.addEventListener(
    'submit',
    (event) => {
      const form = event.target as HTMLFormElement;
      if (!form.matches('form[data-kf-form]')) return;
      event.preventDefault();
      void send(form, paymentOf((event as SubmitEvent).submitter));
    },
    true,
  );
  doc.addEventListener('click', (event) => {
    const control = (event.target as Element).closest?.('[data-kf-paypal],[data-kf-pay],[data-kf-decline]') as HTMLButtonElement | null;
    // A link declines by itself (no call); a payment submit button goes through the submit event above.
    if (!control || (control.tagName === 'A' ? control.hasAttribute('href') : control.type === 'submit' && !control.hasAttribute('data-kf-decline'))) return;
    event.preventDefault();
    const form = control.closest('form') ?? doc.querySelector<HTMLFormElement>('form[data-kf-form=order]');
    const next = form?.getAttribute('data-kf-next');
    // A decline button goes to the form's data-kf-next with no call; a payment control submits the order form.
    const payment = paymentOf(control);
    if (payment) void (form && send(form, payment));
    else if (next) ctx.navigate(resolveUrl(doc, next));
  });
  // A page restored from the back-forward cache must not keep a form locked.
  ctx.win.addEventListener('pageshow', (event) => {
    if (event.persisted) for (const form of doc.querySelectorAll<HTMLFormElement>('form[aria-busy]')) setBusy(form, false);
  });
  return send;
}
