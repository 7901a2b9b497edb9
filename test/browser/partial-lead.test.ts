import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKOUT_FIELDS, openPage, SCRIPT, waitFor } from '../helpers/page.js';

const CHECKOUT = `${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}</form>`;
const NAMES = { firstName: 'Ada', lastName: 'Lovelace' };

describe('partial leads as fields are finished', () => {
  const triggers: Array<[string, Record<string, string>, boolean]> = [
    ['names only', NAMES, false],
    ['names and a valid email', { ...NAMES, emailAddress: 'ada@example.com' }, true],
    ['names and a valid phone', { ...NAMES, phoneNumber: '512-555-0100' }, true],
    ['names and an invalid email', { ...NAMES, emailAddress: 'ada@' }, false],
    ['an email without a last name', { firstName: 'Ada', emailAddress: 'ada@example.com' }, false],
  ];
  for (const [name, values, sent] of triggers) {
    test(`${name}: ${sent ? 'sent' : 'not sent'}`, async () => {
      const page = await openPage(CHECKOUT);
      page.fill(values);
      await page.settle();
      assert.equal(page.to('lead').length, sent ? 1 : 0);
      page.close();
    });
  }

  test('only lead fields go: no card data, even when typed first; the phone as typed (the proxy sends digits)', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ cardNumber: '4111111111111111', cardSecurityCode: '123', ...NAMES, phoneNumber: '(512) 555-0100', city: 'Austin' });
    await waitFor(() => page.to('lead').length === 1);
    assert.deepEqual(page.to('lead')[0].body, { firstName: 'Ada', lastName: 'Lovelace', phoneNumber: '(512) 555-0100', city: 'Austin', country: 'US', campaignId: '3', sessionId: 'c'.repeat(32) });
    page.close();
  });

  test('a field still wrong is left out rather than sent', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ ...NAMES, phoneNumber: '5125550100', emailAddress: 'ada@' });
    await waitFor(() => page.to('lead').length === 1);
    assert.equal(page.to('lead')[0].body.emailAddress, undefined);
    page.close();
  });

  test('never per keystroke: typing fires no call until the field is finished', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ ...NAMES });
    const email = page.doc.querySelector('[name=emailAddress]') as any;
    email.focus();
    for (const prefix of ['a', 'ad', 'ada@', 'ada@example.c', 'ada@example.co', 'ada@example.com']) {
      email.value = prefix;
      email.dispatchEvent(new page.win.Event('input', { bubbles: true }));
    }
    await page.settle(); // the names' debounce has fired: the email being typed is not read
    assert.equal(page.to('lead').length, 0);
    email.dispatchEvent(new page.win.Event('change', { bubbles: true }));
    email.blur();
    await page.settle();
    assert.equal(page.to('lead').length, 1, 'change and blur of one field: one call');
    page.close();
  });

  test('debounced: several fields finished quickly make one call', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ ...NAMES, emailAddress: 'ada@example.com', address1: '1 Way', city: 'Austin', postalCode: '78701' });
    await page.settle();
    assert.equal(page.to('lead').length, 1);
    assert.equal(page.to('lead')[0].body.postalCode, '78701');
    page.close();
  });

  test('never twice for the same values; changed values update the same lead (its orderId)', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ ...NAMES, emailAddress: 'ada@example.com' });
    await waitFor(() => page.to('lead').length === 1);
    page.fill({ emailAddress: 'ada@example.com' });
    await page.settle();
    assert.equal(page.to('lead').length, 1);
    page.fill({ city: 'Austin' });
    await waitFor(() => page.to('lead').length === 2);
    assert.equal(page.to('lead')[0].body.orderId, undefined);
    assert.equal(page.to('lead')[1].body.orderId, 'LEAD000001');
    page.close();
  });

  test('not sent again after a reload with the same values', async () => {
    const first = await openPage(CHECKOUT);
    first.fill({ ...NAMES, emailAddress: 'ada@example.com' });
    await waitFor(() => first.to('lead').length === 1);
    const reloaded = await openPage(CHECKOUT, { storage: { kf_lead: first.stored('kf_lead') }, cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'LEAD000001' } });
    reloaded.fill({ ...NAMES, emailAddress: 'ada@example.com' });
    await reloaded.settle();
    assert.equal(reloaded.to('lead').length, 0);
    first.close();
    reloaded.close();
  });

  test('a failed partial lead is tried again on the next change', async () => {
    let n = 0;
    const page = await openPage(CHECKOUT, { answers: { lead: () => (++n === 1 ? { status: 502, body: { result: 'ERROR', message: 'x', code: 'upstream_unreachable' } } : { result: 'SUCCESS', message: { orderId: 'LEAD000002' } }) } });
    page.fill({ ...NAMES, emailAddress: 'ada@example.com' });
    await waitFor(() => page.to('lead').length === 1);
    await page.settle();
    page.fill({ emailAddress: 'ada@example.com' });
    await waitFor(() => page.to('lead').length === 2);
    await page.settle();
    assert.equal(page.cookie('kf_oid'), 'LEAD000002');
    page.close();
  });

  test('leaving the page sends what is pending at once, with keepalive', async () => {
    const page = await openPage(CHECKOUT);
    page.fill({ ...NAMES });
    const email = page.doc.querySelector('[name=emailAddress]') as any;
    email.value = 'ada@example.com'; // typed, not yet finished
    Object.defineProperty(page.doc, 'visibilityState', { value: 'hidden', configurable: true });
    page.doc.dispatchEvent(new page.win.Event('visibilitychange'));
    await waitFor(() => page.to('lead').length === 1);
    assert.equal(page.to('lead')[0].keepalive, true);
    assert.equal(page.to('lead')[0].body.emailAddress, 'ada@example.com');
    page.close();
  });

  test('only on lead and checkout pages', async () => {
    const page = await openPage(`${SCRIPT}<body data-kf-page="upsell1"><form data-kf-form="lead"><input name="firstName"><input name="lastName"><input name="emailAddress"></form></body>`);
    page.fill({ ...NAMES, emailAddress: 'ada@example.com' });
    await page.settle();
    assert.equal(page.to('lead').length, 0);
    page.close();
  });
});
