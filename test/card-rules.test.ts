/**
 * One table of card numbers, fed to both homes of the card rules: the shared rules the sandbox uses
 * (src/shared/cards.ts) and the browser's own byte-squeezed copy (src/browser/validate.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as browser from '../src/browser/validate.js';
import * as shared from '../src/shared/cards.js';

type Brand = shared.CardBrand['name'];

/** An independent Luhn check digit (not the code under test): `body` plus the digit that makes it valid. */
function withCheckDigit(body: string): string {
  for (let check = 0; check <= 9; check++) {
    const number = body + check;
    const sum = [...number].reverse().reduce((total, char, i) => {
      const d = Number(char) * (i % 2 ? 2 : 1);
      return total + (d > 9 ? d - 9 : d);
    }, 0);
    if (sum % 10 === 0) return number;
  }
  throw new Error('unreachable');
}
/** A Luhn-valid number of `length` digits starting with `prefix`. */
const valid = (prefix: string, length: number) => withCheckDigit(prefix.padEnd(length - 1, '0'));
/** The same number with its check digit broken. */
const luhnFailure = (number: string) => number.slice(0, -1) + ((Number(number.slice(-1)) + 1) % 10);

interface Row {
  number: string;
  brand: Brand;
  valid: boolean;
  why: string;
  /** Where the browser's copy is known to be wrong: what it answers today (see the report on issue 13). */
  browserToday?: { valid: boolean };
}

const ROWS: Row[] = [
  // Visa: 4, 13 / 16 / 19 digits
  { number: '4111111111111111', brand: 'VISA', valid: true, why: 'Visa test card' },
  { number: '4222222222222', brand: 'VISA', valid: true, why: 'Visa, 13 digits' },
  { number: valid('4', 19), brand: 'VISA', valid: true, why: 'Visa, 19 digits' },
  { number: valid('4', 15), brand: 'VISA', valid: false, why: 'Visa, 15 digits' },
  { number: luhnFailure('4111111111111111'), brand: 'VISA', valid: false, why: 'Visa, Luhn failure' },
  // Mastercard: 51-55 and 2221-2720, 16 digits
  { number: '5555555555554444', brand: 'MASTERCARD', valid: true, why: 'Mastercard test card (55)' },
  { number: '5105105105105100', brand: 'MASTERCARD', valid: true, why: 'Mastercard test card (51)' },
  { number: '2223003122003222', brand: 'MASTERCARD', valid: true, why: 'Mastercard 2-series test card' },
  { number: valid('2221', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard, first 2-series prefix' },
  { number: valid('2299', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard 2299' },
  { number: valid('2300', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard 23' },
  { number: valid('2699', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard 26' },
  { number: valid('2710', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard 271' },
  { number: valid('2720', 16), brand: 'MASTERCARD', valid: true, why: 'Mastercard, last 2-series prefix' },
  { number: valid('2220', 16), brand: 'OTHER', valid: true, why: '2220 is below the Mastercard range' },
  { number: valid('2721', 16), brand: 'OTHER', valid: true, why: '2721 is above the Mastercard range' },
  { number: valid('2799', 16), brand: 'OTHER', valid: true, why: '2799 is not Mastercard' },
  { number: valid('50', 16), brand: 'OTHER', valid: true, why: '50 is not Mastercard' },
  { number: valid('56', 16), brand: 'OTHER', valid: true, why: '56 is not Mastercard' },
  { number: valid('51', 15), brand: 'MASTERCARD', valid: false, why: 'Mastercard, 15 digits' },
  { number: valid('2221', 19), brand: 'MASTERCARD', valid: false, why: 'Mastercard, 19 digits' },
  { number: luhnFailure('5555555555554444'), brand: 'MASTERCARD', valid: false, why: 'Mastercard, Luhn failure' },
  // American Express: 34, 37, 15 digits
  { number: '378282246310005', brand: 'AMEX', valid: true, why: 'Amex test card (37)' },
  { number: '371449635398431', brand: 'AMEX', valid: true, why: 'Amex test card (37)' },
  { number: valid('34', 15), brand: 'AMEX', valid: true, why: 'Amex 34' },
  { number: valid('34', 16), brand: 'AMEX', valid: false, why: 'Amex, 16 digits' },
  { number: luhnFailure('378282246310005'), brand: 'AMEX', valid: false, why: 'Amex, Luhn failure' },
  // Discover: 6011, 644-649, 65; 16 to 19 digits
  { number: '6011111111111117', brand: 'DISCOVER', valid: true, why: 'Discover test card (6011)' },
  { number: '6011000990139424', brand: 'DISCOVER', valid: true, why: 'Discover test card (6011)' },
  { number: valid('644', 16), brand: 'DISCOVER', valid: true, why: 'Discover 644' },
  { number: valid('649', 16), brand: 'DISCOVER', valid: true, why: 'Discover 649' },
  { number: valid('65', 16), brand: 'DISCOVER', valid: true, why: 'Discover 65' },
  { number: valid('6011', 19), brand: 'DISCOVER', valid: true, why: 'Discover, 19 digits' },
  { number: valid('6011', 17), brand: 'DISCOVER', valid: true, why: 'Discover, 17 digits', browserToday: { valid: false } },
  { number: valid('65', 18), brand: 'DISCOVER', valid: true, why: 'Discover, 18 digits', browserToday: { valid: false } },
  { number: valid('6011', 15), brand: 'DISCOVER', valid: false, why: 'Discover, 15 digits' },
  { number: luhnFailure('6011111111111117'), brand: 'DISCOVER', valid: false, why: 'Discover, Luhn failure' },
  { number: valid('6010', 16), brand: 'OTHER', valid: true, why: '6010 is not Discover' },
  { number: valid('6012', 16), brand: 'OTHER', valid: true, why: '6012 is not Discover' },
  { number: valid('643', 16), brand: 'OTHER', valid: true, why: '643 is not Discover' },
  // Other networks: 12 to 19 digits and Luhn
  { number: '3530111333300000', brand: 'OTHER', valid: true, why: 'JCB test card' },
  { number: '3566002020360505', brand: 'OTHER', valid: true, why: 'JCB test card' },
  { number: '30569309025904', brand: 'OTHER', valid: true, why: 'Diners Club, 14 digits' },
  { number: '36227206271667', brand: 'OTHER', valid: true, why: 'Diners Club 36, 14 digits' },
  { number: '6200000000000005', brand: 'OTHER', valid: true, why: 'UnionPay test card (62), not Discover' },
  { number: valid('62', 19), brand: 'OTHER', valid: true, why: 'UnionPay, 19 digits' },
  { number: '6759649826438453', brand: 'OTHER', valid: true, why: 'Maestro 6759, not Discover' },
  { number: valid('6304', 18), brand: 'OTHER', valid: true, why: 'Maestro 6304, 18 digits' },
  { number: valid('5018', 12), brand: 'OTHER', valid: true, why: 'Maestro 5018, 12 digits' },
  { number: valid('5018', 11), brand: 'OTHER', valid: false, why: 'too short: 11 digits' },
  { number: valid('6759', 20), brand: 'OTHER', valid: false, why: 'too long: 20 digits' },
  { number: luhnFailure('3530111333300000'), brand: 'OTHER', valid: false, why: 'JCB, Luhn failure' },
];

const NOW = new Date('2026-06-15T12:00:00Z');
const BROWSER_NAMES: Brand[] = ['AMEX', 'VISA', 'MASTERCARD', 'DISCOVER', 'OTHER'];

test('the browser table has the shared rows, in the same order', () => {
  assert.equal(browser.CARD_BRANDS.length, shared.CARD_BRANDS.length);
  shared.CARD_BRANDS.forEach((brand, i) => {
    assert.equal(BROWSER_NAMES[i], brand.name);
    assert.equal(browser.CARD_BRANDS[i]?.[2], brand.cvv, `${brand.name} CVV length`);
  });
});

for (const row of ROWS) {
  test(`${row.why}: ${row.number}`, () => {
    assert.equal(shared.cardBrand(row.number).name, row.brand, 'shared brand');
    assert.equal(shared.cardNumberValid(row.number), row.valid, 'shared validity');

    const browserRow = browser.cardBrand(row.number);
    assert.equal(BROWSER_NAMES[browser.CARD_BRANDS.indexOf(browserRow)], row.brand, 'browser brand');
    const browserValid = browser.checkValue('cardNumber', row.number, {}, NOW) === undefined;
    assert.equal(browserValid, row.browserToday?.valid ?? row.valid, 'browser validity');

    // The CVV length follows the brand in both.
    const cvv = row.brand === 'AMEX' ? 4 : 3;
    assert.equal(shared.cvvLength(row.number), cvv, 'shared CVV length');
    for (const length of [3, 4]) {
      const text = browser.checkValue('cardSecurityCode', '1234'.slice(0, length), { cardNumber: row.number }, NOW);
      assert.equal(text === undefined, length === cvv, `browser CVV of ${length} digits`);
    }
  });
}

test('spaces and dashes are allowed in both; letters are not', () => {
  for (const number of ['4111 1111 1111 1111', '4111-1111-1111-1111']) {
    assert.equal(shared.cardNumberValid(number), true, number);
    assert.equal(browser.checkValue('cardNumber', number, {}, NOW), undefined, number);
  }
  assert.equal(shared.cardNumberValid('4111111111111a11'), false);
  assert.notEqual(browser.checkValue('cardNumber', '4111111111111a11', {}, NOW), undefined);
});

test('Luhn agrees in both on every row', () => {
  for (const row of ROWS) assert.equal(shared.luhn(row.number), browser.luhn(row.number), row.number);
  assert.equal(shared.luhn(''), false);
  assert.equal(browser.luhn(''), false);
});
