import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Window } from 'happy-dom';
import { checkValue, luhn, validate } from '../../src/browser/validate.js';
import { messages } from '../../src/browser/messages.js';
import { FIELD_MAX_LENGTH } from '../../src/shared/konnektive.js';

const NOW = new Date(2026, 10, 25); // 25 November 2026

describe('card numbers: Luhn and length by brand', () => {
  const valid: Array<[string, string]> = [
    ['Visa 16', '4111111111111111'],
    ['Visa 16, spaced', '4111 1111 1111 1111'],
    ['Visa 16, dashed', '4111-1111-1111-1111'],
    ['Visa 13', '4222222222222'],
    ['Mastercard 5-series', '5555555555554444'],
    ['Mastercard 2-series', '2223003122003222'],
    ['American Express', '378282246310005'],
    ['American Express 34', '341111111111111'],
    ['Discover', '6011111111111117'],
    ['Discover 65', '6500000000000002'],
    ['JCB (general rule)', '3530111333300000'],
    ['Diners Club 14 (general rule)', '30569309025904'],
    ['UnionPay (general rule)', '6200000000000005'],
  ];
  for (const [brand, number] of valid) test(`accepts ${brand}: ${number}`, () => assert.equal(checkValue('cardNumber', number, {}, NOW), undefined));

  const invalid: Array<[string, string]> = [
    ['a Luhn failure', '4111111111111112'],
    ['Visa with 15 digits', '411111111111116'],
    ['American Express with 16 digits', '3782822463100053'],
    ['Mastercard with 15 digits', '555555555555443'],
    ['Mastercard with 19 digits', '5555555555554444000'],
    ['letters', '4111 1111 abcd 1111'],
    ['too short', '4242'],
    ['too long for any brand', '41111111111111111111'],
  ];
  for (const [name, number] of invalid) test(`refuses ${name}: ${number}`, () => assert.equal(checkValue('cardNumber', number, {}, NOW), messages.cardNumber));

  test('luhn() itself', () => {
    assert.equal(luhn('79927398713'), true);
    assert.equal(luhn('79927398710'), false);
    assert.equal(luhn(''), false);
  });
});

describe('security code by brand', () => {
  const rows: Array<[string, string, boolean]> = [
    ['378282246310005', '1234', true],
    ['378282246310005', '123', false],
    ['4111111111111111', '123', true],
    ['4111111111111111', '1234', false],
    ['5555555555554444', '12a', false],
    ['', '123', true],
  ];
  for (const [card, cvv, ok] of rows) {
    test(`${cvv} with ${card || 'no card yet'}: ${ok ? 'ok' : 'refused'}`, () => {
      const result = checkValue('cardSecurityCode', cvv, { cardNumber: card }, NOW);
      if (ok) assert.equal(result, undefined);
      else assert.match(result as string, /\d-digit security code/);
    });
  }
});

describe('expiry, on 25 November 2026', () => {
  const rows: Array<[month: string, year: string, ok: boolean]> = [
    ['11', '2026', true], // this month still works
    ['10', '2026', false],
    ['12', '2026', true],
    ['01', '2027', true],
    ['1', '27', true],
    ['11', '26', true],
    ['12', '25', false],
    ['13', '2027', false],
    ['0', '2027', false],
    ['1', '2051', true],
    ['12', '2051', false], // more than 25 years ahead
    ['12', '202', false],
  ];
  for (const [month, year, ok] of rows) {
    test(`${month}/${year}: ${ok ? 'valid' : 'refused'}`, () => {
      const values = { cardMonth: month, cardYear: year };
      const problems = [checkValue('cardMonth', month, values, NOW), checkValue('cardYear', year, values, NOW)].filter(Boolean);
      assert.equal(problems.length === 0, ok, String(problems));
    });
  }
});

describe('email, phone and Konnektive length limits', () => {
  const rows: Array<[field: string, value: string, ok: boolean]> = [
    ['emailAddress', 'ada@example.com', true],
    ['emailAddress', 'a.b+tag@mail.example.co.uk', true],
    ['emailAddress', 'ada@example', false],
    ['emailAddress', 'ada example.com', false],
    ['emailAddress', '@example.com', false],
    ['phoneNumber', '512-555-0100', true],
    ['phoneNumber', '+1 (512) 555 0100', true],
    ['phoneNumber', '555-0100', true],
    ['phoneNumber', '12345', false],
    ['phoneNumber', '512 555 01OO', false],
    ['phoneNumber', '1234567890123456', false],
    ['firstName', 'A'.repeat(30), true],
    ['firstName', 'A'.repeat(31), false],
    ['shipAddress1', 'x'.repeat(31), false],
    ['state', 'TX', true],
    ['state', 'ABCDEFG', false],
    ['country', 'US', true],
    ['country', 'USA', false],
    ['postalCode', '1'.repeat(21), false],
    ['emailAddress', `${'a'.repeat(243)}@example.com`, true],
    ['emailAddress', `${'a'.repeat(244)}@example.com`, false],
    ['custom1', 'anything at all', true],
  ];
  for (const [field, value, ok] of rows) {
    test(`${field} = ${value.length > 24 ? `${value.length} characters` : JSON.stringify(value)}: ${ok ? 'ok' : 'refused'}`, () => {
      const problem = checkValue(field, value, {}, NOW);
      assert.equal(problem === undefined, ok, problem);
      if (!ok && FIELD_MAX_LENGTH[field] && value.length > FIELD_MAX_LENGTH[field]) assert.match(problem as string, new RegExp(`${FIELD_MAX_LENGTH[field]} characters`));
    });
  }
});

describe('required fields, in document order', () => {
  function form(html: string) {
    const win = new Window({ url: 'https://shop.test/' });
    win.document.body.innerHTML = `<form>${html}</form>`;
    return win.document.querySelector('form') as unknown as HTMLFormElement;
  }
  const values = (f: HTMLFormElement) => Object.fromEntries([...new (f.ownerDocument.defaultView as any).FormData(f)].filter(([, v]) => v)) as Record<string, string>;

  const rows: Array<[string, string, string[]]> = [
    ['empty required text fields', '<input name="firstName" required><input name="lastName" required>', ['firstName', 'lastName']],
    ['whitespace only', '<input name="firstName" required value="   ">', ['firstName']],
    ['filled', '<input name="firstName" required value="Ada">', []],
    ['an unchecked required checkbox', '<input type="checkbox" name="terms" required>', ['terms']],
    ['a checked required checkbox', '<input type="checkbox" name="terms" required checked>', []],
    ['a radio group with none checked', '<input type="radio" name="productId" value="10" required><input type="radio" name="productId" value="11">', ['productId']],
    ['a radio group with the second checked', '<input type="radio" name="productId" value="10" required><input type="radio" name="productId" value="11" checked>', []],
    ['an empty select', '<select name="country" required><option value="">Choose</option><option>US</option></select>', ['country']],
    ['a disabled field', '<input name="firstName" required disabled>', []],
    ['a field in a disabled fieldset', '<fieldset disabled><input name="shipAddress1" required></fieldset>', []],
    ['format errors in order with required ones', '<input name="emailAddress" value="nope"><input name="firstName" required>', ['emailAddress', 'firstName']],
    ['optional fields that are empty', '<input name="phoneNumber"><input name="emailAddress">', []],
  ];
  for (const [name, html, expected] of rows) {
    test(name, () => {
      const f = form(html);
      assert.deepEqual(validate(f, values(f), NOW, new Set()).map((e) => e.name), expected);
    });
  }

  test('skipped fields are not checked (card fields on PayPal)', () => {
    const f = form('<input name="cardNumber" required><input name="firstName" required value="A">');
    assert.deepEqual(validate(f, values(f), NOW, new Set(['cardNumber'])), []);
  });

  test('each error carries the catalog message', () => {
    const f = form('<input name="firstName" required><input name="emailAddress" value="x">');
    assert.deepEqual(validate(f, values(f), NOW, new Set()), [
      { name: 'firstName', text: messages.required },
      { name: 'emailAddress', text: messages.email },
    ]);
  });
});
