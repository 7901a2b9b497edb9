import { STORAGE_KEYS } from './context.js';
/**
 * Shoppers never retype: a lead or order form fills its empty fields from what the visitor last
 * submitted (name, e-mail, phone, address...; card fields are never kept; data-kf-prefill="off" on the
 * form stops it). After a failed 3-D Secure or a cancelled PayPal (both arrive with errorMsg), the form
 * also gets back the visitor's choices: radios and checkboxes. (A routed decline's page is another
 * offer: its own choices stand, its fields are prefilled.)
 */
export function restoreForm(ctx, form, failedPayment) {
    const saved = ctx.storage.get(STORAGE_KEYS.form) ?? {};
    if (!failedPayment && form.getAttribute('data-kf-prefill') === 'off')
        return;
    for (const control of form.elements) {
        const value = saved[control.name];
        if (!value)
            continue;
        if (/radio|checkbox/.test(control.type)) {
            if (failedPayment)
                control.checked = value.split(',').includes(control.value);
            // Hidden fields are the page's own; file inputs take no text.
        }
        else if (!control.value && !/hidden|file/.test(control.type))
            control.value = value;
    }
}
