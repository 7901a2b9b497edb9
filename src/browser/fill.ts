import { STORAGE_KEYS, type Context } from './context.js';

/**
 * Shoppers never retype: a lead or order form fills its empty fields from what the visitor last
 * submitted (name, e-mail, phone, address...; card fields are never kept; data-kf-prefill="off" on the
 * form stops it). After a failed 3-D Secure or a cancelled PayPal (both arrive with errorMsg), the form
 * also gets back the visitor's choices: radios, checkboxes and selects. (A routed decline's page is another
 * offer: its own choices stand, its fields are prefilled.)
 */
export function restoreForm(ctx: Context, form: HTMLFormElement, failedPayment: boolean): void {
  const saved = ctx.storage.get<Record<string, string>>(STORAGE_KEYS.form) ?? {};
  if (!failedPayment && form.getAttribute('data-kf-prefill') === 'off') return;
  for (const control of form.elements as unknown as Iterable<HTMLInputElement>) {
    const value = saved[control.name];
    if (!value) continue;
    if (/radio|checkbox/.test(control.type)) {
      if (failedPayment) control.checked = value.split(',').includes(control.value);
      // A select always holds a value (its first option): only the visitor's own choice after a failed
      // payment replaces it. Hidden fields are the page's own; file inputs take no text.
    } else if ((failedPayment && /^select/.test(control.type)) || (!control.value && !/hidden|file/.test(control.type))) control.value = value;
  }
}
