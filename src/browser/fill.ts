import { CARD_FIELDS, LEAD_FIELDS } from '../shared/konnektive.js';
import { STORAGE_KEYS, type Context } from './context.js';

/**
 * Puts saved values into a form's empty fields (never card fields): text fields, selects and textareas
 * that are empty, the radio or checkbox whose value was chosen. `names` limits it to those fields.
 */
export function fillForm(form: HTMLFormElement, values: Record<string, string>, names?: readonly string[]): void {
  for (const control of form.elements as unknown as Iterable<HTMLInputElement>) {
    const { name, type } = control;
    const value = values[name];
    if (!value || (CARD_FIELDS as readonly string[]).includes(name) || (names && !names.includes(name))) continue;
    if (type === 'radio' || type === 'checkbox') {
      if (value.split(',').includes(control.value)) control.checked = true;
    } else if (!control.value && !/^(hidden|submit|button|image|reset|file)$/.test(type)) control.value = value;
  }
}

/**
 * Shoppers never retype: lead and order forms fill their empty fields from the lead the visitor gave
 * (name, e-mail, phone, address; data-kf-prefill="off" on a form stops it). After a failed 3-D Secure, a
 * cancelled PayPal (both arrive with errorMsg) or a routed decline, the order form gets back everything
 * the visitor last submitted but the card.
 */
export function restoreForms(ctx: Context, failedPayment: boolean): void {
  const saved = ctx.storage.get<Record<string, string>>(STORAGE_KEYS.form) ?? {};
  const restore = failedPayment || !!ctx.storage.get(STORAGE_KEYS.restore);
  ctx.storage.remove(STORAGE_KEYS.restore);
  for (const form of ctx.doc.querySelectorAll<HTMLFormElement>('form[data-kf-form=lead],form[data-kf-form=order]')) {
    if (restore && form.getAttribute('data-kf-form') === 'order') fillForm(form, saved);
    else if (form.getAttribute('data-kf-prefill') !== 'off') fillForm(form, saved, LEAD_FIELDS);
  }
}
