import { FIELD_MAX_LENGTH } from '../shared/konnektive.js';
import { EMAIL, isPhone } from '../shared/rules.js';
import { message } from './messages.js';

export interface FieldError {
  name: string;
  text: string;
}

type Rule = (value: string) => string | false;

/**
 * Format rules by Konnektive field name: each returns an error text, or false when the value is fine.
 * The card's rules (number, CVV, expiry) live once, in src/shared/cards.ts: the proxy checks them
 * before any call reaches Konnektive and answers field by field, shown like these (forms.ts).
 */
const FORMAT: Record<string, Rule> = {
  emailAddress: (v) => !EMAIL.test(v) && message('email'),
  phoneNumber: (v) => !isPhone(v) && message('phone'),
};

/** The format or length problem of one value, if any; an empty value has none. */
export function checkValue(name: string, value: string): string | undefined {
  const max = FIELD_MAX_LENGTH[name];
  return (value && (FORMAT[name]?.(value) || (max !== undefined && value.length > max && message('tooLong', { max })))) || undefined;
}

// Inputs, selects and textareas share what is read here (name, type, required).
type Control = HTMLInputElement;

/**
 * Everything wrong with a form before any call: required fields, formats, Konnektive's length limits.
 * `values` are the form's as sent (trimmed, empty ones left out): a required field is missing when it
 * sends nothing, which covers radio groups, checkboxes and selects alike. One error per field, in
 * document order. `skip` names fields not being sent (card fields on PayPal).
 */
export function validate(form: HTMLFormElement, values: Record<string, string>, skip: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set(skip);
  for (const control of form.elements as unknown as Iterable<Control>) {
    const { name } = control;
    // A disabled control (also one in a disabled fieldset) is neither sent nor missing.
    if (!name || seen.has(name) || control.matches(':disabled,fieldset[disabled] *')) continue;
    // A radio group is chosen, not filled in; the products' radios are packages.
    const missing = control.type === 'radio' ? (/^product/.test(name) ? 'package' : 'choose') : 'required';
    const text = control.required && !values[name] ? message(missing) : checkValue(name, values[name] ?? '');
    if (text) {
      seen.add(name);
      errors.push({ name, text });
    }
  }
  return errors;
}
