import { CARD_FIELDS, LEAD_FIELDS } from '../shared/konnektive.js';
import { STORAGE_KEYS, type Context } from './context.js';

/**
 * Shoppers never retype: lead and order forms fill their empty fields from the lead the visitor gave
 * (name, e-mail, phone, address; data-kf-prefill="off" on a form stops it). After a failed 3-D Secure, a
 * cancelled PayPal (both arrive with errorMsg) or a routed decline, the order form gets back everything
 * the visitor last submitted but the card: empty fields filled, the radios and checkboxes chosen.
 */
export function restoreForms(ctx: Context, failedPayment: boolean): void {
  const saved = ctx.storage.get<Record<string, string>>(STORAGE_KEYS.form) ?? {};
  const restore = failedPayment || ctx.storage.get(STORAGE_KEYS.restore);
  ctx.storage.remove(STORAGE_KEYS.restore);
  for (const form of ctx.doc.querySelectorAll<HTMLFormElement>('form[data-kf-form=lead],form[data-kf-form=order]')) {
    const everything = restore && form.getAttribute('data-kf-form') === 'order';
    if (!everything && form.getAttribute('data-kf-prefill') === 'off') continue;
    for (const control of form.elements as unknown as Iterable<HTMLInputElement>) {
      const { name, type } = control;
      const value = saved[name];
      if (!value || CARD_FIELDS.includes(name as never) || !(everything || LEAD_FIELDS.includes(name))) continue;
      if (/radio|checkbox/.test(type)) control.checked = value.split(',').includes(control.value);
      else if (!control.value && !/hidden|submit|button|image|reset|file/.test(type)) control.value = value;
    }
  }
}
