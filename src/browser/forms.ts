import { CARD_FIELDS, LEAD_FIELDS, type RouteName } from '../shared/konnektive.js';
import { STORAGE_KEYS, type Context } from './context.js';
import { clearErrors, showErrors } from './errors-ui.js';
import { emit } from './events.js';
import { log } from './log.js';
import { message } from './messages.js';
import { fingerprint, formValues, funnelIds, normalize, pageUrl, pick, randomKey, resolveUrl } from './payload.js';
import type { Result } from './transport.js';
import { validate, type FieldError } from './validate.js';

/** The data-kf-form kinds, and whether each moves money (3-D Secure return links, "unknown outcome"). */
const FORM_KINDS: Record<string, boolean> = { lead: false, order: true, upsale: true };

/** Events name the call: lead, order, upsale, or paypal for Confirm PayPal. */
export type Action = 'lead' | 'order' | 'upsale' | 'paypal';

const SUBMIT_CONTROLS = 'button:not([type=button]):not([type=reset]),input[type=submit],input[type=image]';

/** What a failed call means for the visitor: a summary, field errors, maybe a decline route. */
export function explainFailure(action: Action, result: Extract<Result, { ok: false }>): [summary: string, fields: FieldError[], routed?: string] {
  const text = result.message;
  if (result.code !== 'konnektive') {
    return [message(!result.retryable ? 'error' : action === 'lead' ? 'network' : 'unknownOutcome', { reason: result.code }), []];
  }
  if (text && typeof text === 'object') {
    return [message('summary'), Object.entries(text).map(([name, value]) => ({ name, text: String(value) }))];
  }
  // Konnektive's three card-type declines ("Transaction Declined: Prepaid Credit Cards Are Not
  // Accepted", "...: Debit Cards...", "...: MASTERCARD is not a supported card type.") can be routed.
  const declined = String(text).match(/^Transaction Declined:\s*((prepaid|debit|mastercard)?.*?)\.?$/i);
  const routed = declined?.[2]?.toLowerCase();
  return [message(routed ?? (declined ? 'declined' : 'error'), { reason: declined ? declined[1] : text }), [], routed];
}

export function createForms(ctx: Context, partialLeadsIdle: () => Promise<unknown>) {
  const busy = new Set<HTMLFormElement>();
  const { doc } = ctx;

  /** A busy form: aria-busy, and its enabled submit controls disabled (marked, to re-enable just those). */
  function setBusy(form: HTMLFormElement, on: boolean): void {
    busy[on ? 'add' : 'delete'](form);
    if (on) form.setAttribute('aria-busy', 'true');
    else form.removeAttribute('aria-busy');
    for (const control of form.querySelectorAll<HTMLButtonElement>(on ? SUBMIT_CONTROLS : '[data-kf-locked]')) {
      if (on !== control.disabled) control.disabled = control.toggleAttribute('data-kf-locked', on);
    }
  }

  /**
   * Sends one attempt. Its Idempotency-Key is kept (in sessionStorage, beside only a hash of the
   * payload) until the attempt has a definite answer, so resending the same attempt, even after a
   * reload, reuses the key, and the proxy can never charge it twice.
   */
  async function sendAttempt(route: RouteName, payload: Record<string, string>, keepalive?: boolean): Promise<Result> {
    const slot = STORAGE_KEYS.attempt + route;
    const hash = fingerprint(payload);
    const open = ctx.storage.get<{ key: string; hash: string }>(slot);
    const key = open?.hash === hash ? open.key : randomKey(ctx.win);
    ctx.storage.set(slot, { key, hash });
    const result = await ctx.send(route, payload, { idempotencyKey: key, keepalive });
    if (result.ok || !result.retryable) ctx.storage.remove(slot);
    // The proxy no longer counts this browser as the kf_oid order's owner (a visitor from before visitor
    // cookies): forget that order and resend once without it, as a new lead, so the checkout is never stuck.
    // Only lead and order (route < 'p': not paypal or upsale, which have no order of their own to start).
    if ((result as { code?: string }).code === 'not_your_order' && payload.orderId && route < 'p') {
      ctx.session.clear('orderId');
      delete payload.orderId; // each caller built this payload for this one call
      return sendAttempt(route, payload, keepalive);
    }
    return result;
  }

  /** Keeps a result's orderId (cookie) and its fields for data-kf-text (sessionStorage). */
  function remember(result: any): void {
    ctx.session.set('orderId', result?.orderId);
    if (result && typeof result === 'object') ctx.storage.set(STORAGE_KEYS.last, { ...ctx.storage.get<object>(STORAGE_KEYS.last), ...result });
  }

  function fail(form: HTMLFormElement | null, action: Action, code: string, summary: string, fields: FieldError[] = []): false {
    if (form) {
      showErrors(form, fields, summary);
      setBusy(form, false);
    }
    emit(form ?? doc, 'error', { action, code, message: summary, fields });
    return false;
  }

  /** Turns a call's result into cookies, events and navigation. True when the call succeeded. */
  function settle(form: HTMLFormElement | null, action: Action, result: Result): boolean {
    const target = form ?? doc;
    if (!result.ok) {
      const [summary, fields, routed] = explainFailure(action, result);
      const routeTo = routed && form?.getAttribute('data-kf-prepaid-next');
      if (!routeTo) return fail(form, action, routed ?? result.code, summary, fields);
      emit(target, 'error', { action, code: routed, message: summary, fields });
      const url = new URL(routeTo, doc.baseURI);
      url.searchParams.set('sessionId', ctx.session.get('sessionId') ?? '');
      ctx.navigate(url.href);
      return false;
    }
    if (result.result === 'SUCCESS') {
      remember(result.message);
      emit(target, 'success', { action, result: result.message, replayed: result.replayed });
      const next = form?.getAttribute('data-kf-next');
      if (next) ctx.navigate(resolveUrl(doc, next));
      else if (form) setBusy(form, false);
      return true;
    }
    // MERC_REDIRECT (3-D Secure, PayPal): the form stays locked while the visitor is away.
    const { url = result.message?.paypalUrl, script } = result.message ?? {};
    // Only a web page may be navigated to: a javascript: or data: URL would run in this page.
    if (url && !/^https?:/i.test(url)) return fail(form, action, 'bad_redirect', message('badRedirect'));
    emit(target, 'redirect', { action, url, script: !!script });
    if (url) ctx.navigate(url);
    // Konnektive's own 3-D Secure script: the page's Content-Security-Policy must allow it (README).
    else if (script) doc.body.append(Object.assign(doc.createElement('script'), { text: script }));
    else return fail(form, action, 'bad_response', message('error', { reason: 'MERC_REDIRECT' }));
    return true;
  }

  /** The submit pipeline: values -> validation -> payload -> before-submit -> call(s) -> settle. */
  async function submit(form: HTMLFormElement, paypal = false): Promise<boolean> {
    const kind = form.getAttribute('data-kf-form') as 'lead' | 'order' | 'upsale';
    if (!(kind in FORM_KINDS)) log.error(`data-kf-form="${kind}": use lead, order or upsale`);
    if (!(kind in FORM_KINDS) || busy.has(form)) return false;
    const raw = formValues(form);
    if (kind === 'order' && paypal) raw.paySource = 'PAYPAL';
    const skip = new Set<string>(raw.paySource && raw.paySource !== 'CREDITCARD' ? CARD_FIELDS : []);
    const problems = validate(form, raw, ctx.now(), skip);
    if (problems.length) return fail(form, kind, 'invalid', message('summary'), problems);
    clearErrors(form);
    setBusy(form, true);
    try {
      // A partial lead in flight may be making the orderId this submit carries; the click, its sessionId.
      await partialLeadsIdle();
      await ctx.clickDone;
      const payload = { ...normalize(raw), ...funnelIds(ctx) };
      for (const name of skip) delete payload[name];
      if (FORM_KINDS[kind]) {
        payload.errorRedirectsTo = pageUrl(ctx.win);
        payload.redirectsTo = resolveUrl(doc, form.getAttribute('data-kf-next') ?? payload.errorRedirectsTo);
        if (kind === 'order') payload.salesUrl = payload.errorRedirectsTo;
        else if (!payload.orderId) return fail(form, kind, 'no_order', message('noOrder'));
      }
      if (!emit(form, 'before-submit', { action: kind, payload }, true)) {
        setBusy(form, false);
        return false;
      }
      if (kind === 'order' && !payload.orderId) {
        // Never lose the lead: it is saved, and its orderId made, before any money moves.
        const lead = await sendAttempt('lead', { ...pick(payload, LEAD_FIELDS), ...funnelIds(ctx) });
        if (!lead.ok) return settle(form, 'lead', lead);
        remember(lead.message);
        payload.orderId = lead.message?.orderId;
      }
      return settle(form, kind, await sendAttempt(kind, payload));
    } catch (error) {
      log.error(error);
      return fail(form, kind, 'internal', message('error', { reason: error as string }));
    }
  }

  function bind(): void {
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
        void submit(form, !!(event as SubmitEvent).submitter?.hasAttribute('data-kf-paypal'));
      },
      true,
    );
    doc.addEventListener('click', (event) => {
      const control = (event.target as Element).closest?.('[data-kf-paypal],[data-kf-decline]') as HTMLButtonElement | null;
      // A link declines by itself (no call); a PayPal submit button goes through the submit event above.
      if (!control || (control.tagName === 'A' ? control.hasAttribute('href') : control.type === 'submit' && !control.hasAttribute('data-kf-decline'))) return;
      event.preventDefault();
      const form = control.closest('form') ?? doc.querySelector<HTMLFormElement>('form[data-kf-form="order"]');
      const next = form?.getAttribute('data-kf-next');
      // A decline button goes to the form's data-kf-next with no call; a PayPal control submits the order form.
      if (control.hasAttribute('data-kf-paypal')) void (form && submit(form, true));
      else if (next) ctx.navigate(resolveUrl(doc, next));
    });
    // A page restored from the back-forward cache must not keep a form locked.
    ctx.win.addEventListener('pageshow', (event) => {
      if (event.persisted) for (const form of busy) setBusy(form, false);
    });
  }

  return { submit, settle, fail, sendAttempt, bind, setBusy, isBusy: (form: HTMLFormElement) => busy.has(form), remember };
}

export type Forms = ReturnType<typeof createForms>;
