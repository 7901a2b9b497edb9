import { LEAD_FIELDS } from '../shared/konnektive.js';
import { remember, sendAttempt } from './attempts.js';
import { STORAGE_KEYS, type Context } from './context.js';
import { emit } from './events.js';
import { fingerprint, formValues, funnelIds, pick } from './payload.js';
import { log } from './log.js';
import { checkValue } from './validate.js';

/**
 * Partial leads (Konnektive: "you can continually call Import Lead as the customer fills their
 * information"): once first name, last name and a valid email or phone are present, Import Lead is
 * sent after the visitor finishes a field (debounced), never per keystroke and never twice for the
 * same values. Sends run one after another, so the first one's orderId is used by the next.
 */
export function createPartialLeads(ctx: Context) {
  let chain: Promise<unknown> = Promise.resolve();

  function leadValues(form: HTMLFormElement, leaving: boolean): Record<string, string> | undefined {
    const raw = pick(formValues(form), LEAD_FIELDS);
    // The field being typed in is not finished (unless the visitor is leaving); one still wrong is left out.
    const typing = !leaving && (ctx.doc.activeElement as HTMLInputElement | null)?.name;
    const values: Record<string, string> = {};
    for (const name in raw) if (name !== typing && !checkValue(name, raw[name]!)) values[name] = raw[name]!;
    const complete = values.firstName && values.lastName && (values.emailAddress || values.phoneNumber);
    return complete ? values : undefined;
  }

  function flush(form: HTMLFormElement, keepalive: boolean): Promise<unknown> {
    // A form being submitted sends its own values.
    const values = form.hasAttribute('aria-busy') ? undefined : leadValues(form, keepalive);
    const hash = values && fingerprint(values);
    if (!values || hash === ctx.storage.get(STORAGE_KEYS.lead)) return chain;
    ctx.storage.set(STORAGE_KEYS.lead, hash);
    // Queued behind the one before (its orderId is this one's); when nothing is in flight this runs in
    // the same task, so a send as the page is left still leaves, kept alive.
    return (chain = chain
      .then(() => ctx.clickDone)
      // The same values as the submit that may follow: one attempt, one key, so a lost answer is never a second lead.
      .then(() => sendAttempt(ctx, 'lead', { ...values, ...funnelIds(ctx) }, keepalive))
      .then((result) => {
        if (!result.ok) return ctx.storage.remove(STORAGE_KEYS.lead); // try again after the next change
        remember(ctx, result.message);
        emit(form, 'success', { action: 'lead', partial: true, result: result.message });
      })
      .catch(log.error));
  }

  function watch(form: HTMLFormElement): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void flush(form, false), ctx.delayMs);
    };
    const leave = () => {
      clearTimeout(timer);
      void flush(form, true);
    };
    form.addEventListener('change', schedule);
    form.addEventListener('focusout', schedule);
    ctx.doc.addEventListener('visibilitychange', () => ctx.doc.visibilityState === 'hidden' && leave());
    ctx.win.addEventListener('pagehide', leave);
  }

  return { watch, idle: () => chain.catch(() => undefined) };
}
