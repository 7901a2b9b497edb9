import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Window } from 'happy-dom';
import { formValues } from '../../src/browser/payload.js';
import { checkValue, validate } from '../../src/browser/validate.js';
import { messages } from '../../src/browser/messages.js';
import { FIELD_MAX_LENGTH } from '../../src/shared/konnektive.js';

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
      const problem = checkValue(field, value);
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
  // As the submit pipeline reads them: trimmed, empty ones left out.
  const values = (f: HTMLFormElement) => {
    (globalThis as any).FormData = (f.ownerDocument.defaultView as any).FormData;
    return formValues(f);
  };

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
      assert.deepEqual(validate(f, values(f), new Set()).map((e) => e.name), expected);
    });
  }

  test('skipped fields are not checked (card fields on PayPal)', () => {
    const f = form('<input name="cardNumber" required><input name="firstName" required value="A">');
    assert.deepEqual(validate(f, values(f), new Set(['cardNumber'])), []);
  });

  test('a radio group is chosen, not filled in: products are packages, anything else an option', () => {
    const f = form('<input type="radio" name="product1_id" value="1" required><input type="radio" name="product1_id" value="2"><input type="radio" name="shipProfileId" value="3" required>');
    assert.deepEqual(validate(f, values(f), new Set()), [
      { name: 'product1_id', text: messages.package },
      { name: 'shipProfileId', text: messages.choose },
    ]);
    assert.equal(messages.package, 'Please choose a package.');
  });

  test('each error carries the catalog message', () => {
    const f = form('<input name="firstName" required><input name="emailAddress" value="x">');
    assert.deepEqual(validate(f, values(f), new Set()), [
      { name: 'firstName', text: messages.required },
      { name: 'emailAddress', text: messages.email },
    ]);
  });
});
