/**
 * Card rules, defined once: brand by number prefix (IIN range), the lengths each brand issues, its
 * CVV length, and the Luhn check. The sandbox uses these; the browser keeps a byte-squeezed copy in
 * src/browser/validate.ts that test/card-rules.test.ts holds to the same table.
 *
 * Ranges: American Express 34, 37; Visa 4; Mastercard 51-55 and 2221-2720; Discover 6011, 644-649, 65.
 * Anything else (JCB, Diners Club, UnionPay, Maestro...) is OTHER: 12 to 19 digits, 3-digit CVV.
 */
export interface CardBrand {
  readonly name: 'AMEX' | 'VISA' | 'MASTERCARD' | 'DISCOVER' | 'OTHER';
  readonly prefix: RegExp;
  readonly lengths: readonly number[];
  readonly cvv: number;
}

const OTHER: CardBrand = { name: 'OTHER', prefix: /^/, lengths: [12, 13, 14, 15, 16, 17, 18, 19], cvv: 3 };

export const CARD_BRANDS: readonly CardBrand[] = [
  { name: 'AMEX', prefix: /^3[47]/, lengths: [15], cvv: 4 },
  { name: 'VISA', prefix: /^4/, lengths: [13, 16, 19], cvv: 3 },
  { name: 'MASTERCARD', prefix: /^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/, lengths: [16], cvv: 3 },
  { name: 'DISCOVER', prefix: /^(6011|64[4-9]|65)/, lengths: [16, 17, 18, 19], cvv: 3 },
  // The catch-all stays last: its prefix matches every number.
  OTHER,
];

/** The brand row of a digits-only card number (the catch-all when no brand's prefix matches). */
export function cardBrand(digits: string): CardBrand {
  return CARD_BRANDS.find((brand) => brand.prefix.test(digits)) ?? OTHER;
}

/** The Luhn (mod 10) check of a digits-only string; false for an empty or non-digit string. */
export function luhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A card number (spaces and dashes allowed) that is all digits, a length its brand issues, and passes Luhn. */
export function cardNumberValid(number: string): boolean {
  const digits = number.replace(/[\s-]/g, '');
  return /^\d+$/.test(digits) && cardBrand(digits).lengths.includes(digits.length) && luhn(digits);
}

/** The CVV length for a card number: 4 for American Express, 3 otherwise. */
export const cvvLength = (digits: string): number => cardBrand(digits).cvv;

/** A card field's problem: the message key of the browser's catalog (src/browser/messages.ts), and its values. */
export type CardProblem = [key: 'cardNumber' | 'cvv' | 'expiry', values?: { digits: number }];

/**
 * What is wrong with the card fields present in `values` (none absent is checked: `required` is the
 * form's business), by field name: the number (digits, its brand's lengths, Luhn), the CVV (its
 * brand's length), the month (1-12) and the year (2 or 4 digits; valid through the last day of its
 * month, at most 25 years ahead). Undefined when nothing is. The proxy answers these before any call
 * reaches Konnektive, and the browser shows them next to their fields.
 */
export function cardProblems(values: Readonly<Record<string, string | undefined>>, now: Date): Record<string, CardProblem> | undefined {
  const problems: Record<string, CardProblem> = {};
  const { cardNumber, cardSecurityCode, cardMonth, cardYear } = values;
  const digits = (cardNumber ?? '').replace(/[\s-]/g, '');
  if (cardNumber !== undefined && !cardNumberValid(cardNumber)) problems.cardNumber = ['cardNumber'];
  const cvv = cvvLength(digits);
  if (cardSecurityCode !== undefined && !new RegExp(`^\\d{${cvv}}$`).test(cardSecurityCode)) problems.cardSecurityCode = ['cvv', { digits: cvv }];
  if (cardMonth !== undefined && !/^(0?[1-9]|1[0-2])$/.test(cardMonth)) problems.cardMonth = ['expiry'];
  if (cardYear !== undefined) {
    const year = cardYear.length === 2 ? 2000 + Number(cardYear) : Number(cardYear);
    const months = (year - now.getFullYear()) * 12 + Number(cardMonth || 12) - 1 - now.getMonth();
    if (!/^(\d\d){1,2}$/.test(cardYear) || months < 0 || months > 300) problems.cardYear = ['expiry'];
  }
  return Object.keys(problems).length ? problems : undefined;
}
