/**
 * One table of e-mail addresses and one of phone numbers, fed to every home of those rules: the shared
 * rules (src/shared/rules.ts), the sandbox's Import Lead, and the browser's checkValue. Rows marked
 * `browserToday` are where the browser is known to disagree with the table (reported on issue 13).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as browser from '../src/browser/validate.js';
import { Refusal } from '../src/proxy/refusals.js';
import { paramsFor, ROUTE_POLICY } from '../src/proxy/policy.js';
import { createSandbox } from '../src/sandbox/index.js';
import { ENDPOINTS, errorEnvelope, FIELD_MAX_LENGTH, MONEY_ROUTES, type RouteName } from '../src/shared/konnektive.js';
import { EMAIL, isPhone, KONNEKTIVE_PHONE } from '../src/shared/rules.js';
import { AUTH, call } from './sandbox/helpers.js';

interface EmailRow {
  value: string;
  valid: boolean;
  why: string;
  browserToday?: { valid: boolean };
}

const EMAILS: EmailRow[] = [
  { value: 'ada@example.com', valid: true, why: 'a plain address' },
  { value: 'ada.lovelace+funnel@mail.example.co.uk', valid: true, why: 'dots and + in the local part, a deep domain' },
  { value: 'a@b.c', valid: true, why: 'one-letter labels' },
  { value: 'ada@exämple.com', valid: true, why: 'an internationalised domain' },
  { value: '.ada@example.com', valid: true, why: 'the local part is only checked for spaces and @' },
  { value: 'ada@localhost', valid: false, why: 'a domain without a dot' },
  { value: 'ada@example..com', valid: false, why: 'an empty label inside the domain' },
  { value: 'ada@.example.com', valid: false, why: 'an empty first label' },
  { value: 'ada@example.com.', valid: false, why: 'a trailing dot' },
  { value: 'ada@@example.com', valid: false, why: 'two @' },
  { value: 'ada@ex@ample.com', valid: false, why: 'an @ in the domain' },
  { value: 'ada lovelace@example.com', valid: false, why: 'a space in the local part' },
  { value: 'ada@exa mple.com', valid: false, why: 'a space in the domain' },
  { value: ' ada@example.com', valid: false, why: 'a leading space' },
  { value: '@example.com', valid: false, why: 'no local part' },
  { value: 'ada@', valid: false, why: 'no domain' },
  { value: 'nope', valid: false, why: 'no @ at all' },
];

interface PhoneRow {
  value: string;
  /** What a person may type (the browser's and the shared rule). */
  valid: boolean;
  /** What Konnektive takes as sent (digits and hyphens, 7 to 20): the sandbox's check of a raw value. */
  konnektive: boolean;
  why: string;
  browserToday?: { valid: boolean };
}

const PHONES: PhoneRow[] = [
  { value: '5125550100', valid: true, konnektive: true, why: 'ten digits' },
  { value: '512-555-0100', valid: true, konnektive: true, why: 'digits and hyphens' },
  { value: '5550100', valid: true, konnektive: true, why: 'seven digits, the fewest' },
  { value: '123456789012345', valid: true, konnektive: true, why: 'fifteen digits, the most (E.164)' },
  { value: '+1 (512) 555-0100', valid: true, konnektive: false, why: 'international prefix, brackets, space, hyphen' },
  { value: '+15125550100', valid: true, konnektive: false, why: 'a leading +' },
  { value: '512.555.0100', valid: true, konnektive: false, why: 'dots' },
  { value: '+44 20 7946 0958', valid: true, konnektive: false, why: 'spaces' },
  { value: '(512)5550100', valid: true, konnektive: false, why: 'brackets' },
  { value: '555010', valid: false, konnektive: false, why: 'six digits' },
  { value: '1234567890123456', valid: false, konnektive: true, why: 'sixteen digits: more than E.164 allows, though Konnektive would take them' },
  { value: '-------', valid: false, konnektive: true, why: 'hyphens and no digit: Konnektive\'s documented rule would take it' },
  { value: '++15125550100', valid: false, konnektive: false, why: 'two + signs' },
  { value: '512555+0100', valid: false, konnektive: false, why: 'a + not at the start' },
  { value: '512555O100', valid: false, konnektive: false, why: 'a letter O for a zero' },
  { value: '555-0100 ext 12', valid: false, konnektive: false, why: 'an extension in words' },
  { value: '512/555/0100', valid: false, konnektive: false, why: 'slashes' },
];

const NOW = new Date('2026-06-15T12:00:00Z');

/** The sandbox's verdict on one contact field, from Import Lead's answer. */
async function sandboxAccepts(field: 'emailAddress' | 'phoneNumber', value: string): Promise<boolean> {
  const sandbox = createSandbox(AUTH);
  const { json } = await call(sandbox, ENDPOINTS.lead, { campaignId: '3', firstName: 'Ada', lastName: 'Lovelace', [field]: value });
  if (json.result === 'SUCCESS') return true;
  assert.equal(json.result, 'ERROR');
  assert.deepEqual(Object.keys(json.message), [field], `the only error is ${field}: ${JSON.stringify(json.message)}`);
  return false;
}

for (const row of EMAILS) {
  test(`e-mail, ${row.why}: ${JSON.stringify(row.value)}`, async () => {
    assert.equal(EMAIL.test(row.value), row.valid, 'shared');
    assert.equal(await sandboxAccepts('emailAddress', row.value), row.valid, 'sandbox');
    assert.equal(browser.checkValue('emailAddress', row.value) === undefined, row.browserToday?.valid ?? row.valid, 'browser');
  });
}

for (const row of PHONES) {
  test(`phone, ${row.why}: ${JSON.stringify(row.value)}`, async () => {
    assert.equal(isPhone(row.value), row.valid, 'shared, as typed');
    assert.equal(browser.checkValue('phoneNumber', row.value) === undefined, row.browserToday?.valid ?? row.valid, 'browser');
    assert.equal(KONNEKTIVE_PHONE.test(row.value), row.konnektive, 'shared, as Konnektive takes it');
    assert.equal(await sandboxAccepts('phoneNumber', row.value), row.konnektive, 'sandbox, the raw value');
    if (row.valid) {
      // The proxy sends a phone number as its digits: whatever a person may type, Konnektive takes.
      assert.equal(await sandboxAccepts('phoneNumber', row.value.replace(/\D/g, '')), true, 'sandbox, as the proxy sends it');
    }
  });
}

test('the length limits hold in the browser and the sandbox alike', async () => {
  const max = FIELD_MAX_LENGTH.emailAddress;
  assert.equal(max, 255);
  const longest = `${'a'.repeat(max - '@example.com'.length)}@example.com`;
  assert.equal(longest.length, max);
  for (const [value, fits] of [[longest, true], [`a${longest}`, false]] as const) {
    assert.equal(EMAIL.test(value), true, 'the format is fine either way');
    assert.equal(browser.checkValue('emailAddress', value) === undefined, fits, `browser, ${value.length} characters`);
    assert.equal(await sandboxAccepts('emailAddress', value), fits, `sandbox, ${value.length} characters`);
  }
});

test('the money routes are order, upsale and PayPal, and the proxy treats exactly those as money', () => {
  assert.deepEqual([...MONEY_ROUTES].sort(), ['order', 'paypal', 'upsale']);
  for (const route of Object.keys(ENDPOINTS) as RouteName[]) {
    assert.equal(ROUTE_POLICY[route].money, MONEY_ROUTES.includes(route), route);
    if (ROUTE_POLICY[route].money) assert.equal(ROUTE_POLICY[route].idempotent, true, `${route} takes an Idempotency-Key`);
  }
});

test('the lead made before an order carries what Import Lead takes, and nothing of the payment', () => {
  const order = {
    campaignId: '3',
    sessionId: 'a'.repeat(32),
    firstName: 'Ada',
    emailAddress: 'ada@example.com',
    shipCity: 'Austin',
    billShipSame: '1',
    affId: 'AFF1',
    sourceValue3: 'fb',
    custom2: 'x',
    custom_order_language: 'en',
    ipAddress: '203.0.113.9',
    userAgent: 'test-agent',
    paySource: 'CREDITCARD',
    cardNumber: '4111111111111111',
    cardSecurityCode: '123',
    product1_id: '2',
    couponCode: 'SAVE',
    redirectsTo: 'https://shop.test/next',
    forceMerchantId: 'M1',
  };
  assert.deepEqual(paramsFor('lead', order), {
    campaignId: '3',
    sessionId: 'a'.repeat(32),
    firstName: 'Ada',
    emailAddress: 'ada@example.com',
    shipCity: 'Austin',
    billShipSame: '1',
    affId: 'AFF1',
    sourceValue3: 'fb',
    custom2: 'x',
    custom_order_language: 'en',
    ipAddress: '203.0.113.9',
  });
});

test('one error envelope: the proxy\'s refusals carry a code, the sandbox\'s Konnektive-style errors do not', async () => {
  assert.equal(JSON.stringify(errorEnvelope('No.', 'nope')), '{"result":"ERROR","message":"No.","code":"nope"}');
  assert.equal(JSON.stringify(errorEnvelope({ emailAddress: 'bad' })), '{"result":"ERROR","message":{"emailAddress":"bad"}}');
  const refusal = new Refusal('field_too_long', 'firstName');
  assert.deepEqual(JSON.parse(refusal.body), { result: 'ERROR', message: 'A field is too long. (firstName)', code: 'field_too_long' });
  const response = refusal.toResponse();
  assert.equal(response.status, 400);
  assert.equal(await response.text(), refusal.body);
  const { status, json } = await call(createSandbox(AUTH), ENDPOINTS.lead, { campaignId: '3' }, { auth: false });
  assert.equal(status, 200);
  assert.deepEqual(Object.keys(json), ['result', 'message']);
  assert.equal(json.result, 'ERROR');
});
