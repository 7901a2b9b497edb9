import { FIELD_MAX_LENGTH } from '../shared/konnektive.js';
import { message } from './messages.js';

export interface FieldError {
  name: string;
  text: string;
}

/**
 * Card brands: number prefix, valid lengths, CVV length. Any other number (JCB, Diners Club, UnionPay,
 * Maestro...) must have 12 to 19 digits and pass the Luhn check, with a 3-digit CVV.
 */
export const CARD_BRANDS: ReadonlyArray<readonly [RegExp, number[], number]> = [
  [/^3[47]/, [15], 4], // American Express
  [/^4/, [13, 16, 19], 3], // Visa
  [/^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, [16], 3], // Mastercard
  [/^(6011|64[4-9]|65)/, [16, 19], 3], // Discover
  [/^/, [12, 13, 14, 15, 16, 17, 18, 19], 3], // any other
];

export const cardBrand = (digits: string) => CARD_BRANDS.find(([prefix]) => prefix.test(digits))!;

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const d = +digits[digits.length - 1 - i] * (i % 2 ? 2 : 1);
    sum += d > 9 ? d - 9 : d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const digitsOf = (value: string) => value.replace(/[\s-]/g, '');

type Rule = (value: string, values: Record<string, string>, now: Date) => string | false;

/** Format rules by Konnektive field name: each returns an error text, or false when the value is fine. */
const FORMAT: Record<string, Rule> = {
  emailAddress: (v) => !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(v) && message('email'),
  phoneNumber: (v) => !(/^\+?[\d\s().-]+$/.test(v) && /^\d{7,15}$/.test(v.replace(/\D/g, ''))) && message('phone'),
  cardNumber: (v) => {
    const digits = digitsOf(v);
    return !(/^\d+$/.test(digits) && cardBrand(digits)[1].includes(digits.length) && luhn(digits)) && message('cardNumber');
  },
  cardSecurityCode: (v, values) => {
    const length = cardBrand(digitsOf(values.cardNumber ?? ''))[2];
    return !new RegExp(`^\\d{${length}}$`).test(v) && message('cvv', { digits: length });
  },
  cardMonth: (v) => !/^(0?[1-9]|1[0-2])$/.test(v) && message('expiry'),
  // Valid through the last day of its month; a 2-digit year means 20xx.
  cardYear: (v, values, now) => {
    const year = v.length === 2 ? 2000 + +v : +v;
    const months = (year - now.getFullYear()) * 12 + +(values.cardMonth || 12) - 1 - now.getMonth();
    return (!/^(\d\d){1,2}$/.test(v) || months < 0 || months > 300) && message('expiry');
  },
};

/** The format or length problem of one value, if any; an empty value has none. */
export function checkValue(name: string, value: string, values: Record<string, string>, now: Date): string | undefined {
  const max = FIELD_MAX_LENGTH[name];
  return (value && (FORMAT[name]?.(value, values, now) || (value.length > max && message('tooLong', { max })))) || undefined;
}

// Inputs, selects and textareas share what is read here (name, value, type, required, disabled).
type Control = HTMLInputElement;

function isMissing(control: Control, form: HTMLFormElement): boolean {
  if (control.type === 'radio') return ![...(form.elements as unknown as Iterable<Control>)].some((el) => el.name === control.name && el.checked);
  return control.type === 'checkbox' ? !control.checked : !control.value.trim();
}

/**
 * Everything wrong with a form before any call: required fields, formats, Konnektive's length limits.
 * One error per field, in document order. `skip` names fields not being sent (card fields on PayPal).
 */
export function validate(form: HTMLFormElement, values: Record<string, string>, now: Date, skip: ReadonlySet<string>): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set(skip);
  for (const control of form.elements as unknown as Iterable<Control>) {
    const { name } = control;
    if (!name || seen.has(name) || control.disabled || control.closest('fieldset[disabled]')) continue;
    const text = control.required && isMissing(control, form) ? message('required') : checkValue(name, values[name] ?? '', values, now);
    if (text) {
      seen.add(name);
      errors.push({ name, text });
    }
  }
  return errors;
}
