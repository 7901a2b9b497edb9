import { message } from './messages.js';
/** Per form, how to take its current error display down again. */
const shown = new WeakMap();
let counter = 0;
export function clearErrors(form) {
    for (const undo of shown.get(form) ?? [])
        undo();
    shown.delete(form);
}
/**
 * Shows field errors next to their fields (aria-invalid, aria-describedby) and a summary in the form's
 * [data-kf-errors] region (created when missing, announced with aria-live), then moves focus to the
 * first bad field, or to the summary. Text only, never HTML. `next`, when given, follows the summary as
 * a Continue link: a one-click upsell's way on.
 */
export function showErrors(form, fieldErrors, summary, next) {
    clearErrors(form);
    const doc = form.ownerDocument;
    const undo = [];
    const texts = [summary];
    let first;
    for (const { name, text } of fieldErrors) {
        const controls = [...form.elements].filter((el) => el.name === name);
        if (!controls[0]) {
            texts.push(text); // Konnektive named a field the form does not have: say it in the summary.
            continue;
        }
        const note = doc.createElement('span');
        note.id = `kf-error-${++counter}`;
        note.className = 'kf-field-error';
        note.textContent = text;
        // After the last control, or after the label wrapping it (a radio card, a checkbox line).
        const last = controls[controls.length - 1];
        (last.closest('label') ?? last).after(note);
        undo.push(() => note.remove());
        for (const control of controls) {
            const described = control.getAttribute('aria-describedby');
            control.setAttribute('aria-invalid', 'true');
            control.setAttribute('aria-describedby', described ? `${described} ${note.id}` : note.id);
            undo.push(() => {
                control.removeAttribute('aria-invalid');
                if (described)
                    control.setAttribute('aria-describedby', described);
                else
                    control.removeAttribute('aria-describedby');
            });
        }
        first ??= controls[0];
    }
    let region = form.querySelector('[data-kf-errors]');
    if (!region)
        form.prepend((region = doc.createElement('div')));
    region.setAttribute('data-kf-errors', '');
    region.setAttribute('role', 'alert');
    region.setAttribute('aria-live', 'assertive');
    region.tabIndex = -1;
    region.textContent = texts.join(' ');
    if (next)
        region.append(' ', Object.assign(doc.createElement('a'), { href: next, textContent: message('continue') }));
    region.hidden = false;
    undo.push(() => {
        region.textContent = '';
        region.hidden = true;
    });
    shown.set(form, undo);
    (first ?? region).focus();
}
