import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor } from '../helpers/page.js';

const SID = 'c'.repeat(32);
const LEAD = { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', phoneNumber: '512-555-0100', address1: '1 Analytical Way', city: 'Austin', postalCode: '78701' };
const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html" data-kf-prepaid-next="/prepaid.html">${CHECKOUT_FIELDS}
  <label><input type="radio" name="shipProfileId" value="1" checked>Standard</label><label><input type="radio" name="shipProfileId" value="2">Express</label>
  <input name="custom1"></form>`;
const value = (page: Awaited<ReturnType<typeof openPage>>, name: string) => (page.doc.querySelector(`[name="${name}"]`) as any).value;

describe('prefill', () => {
  test('the lead the visitor gave fills the checkout (sessionStorage only: no cookie holds it)', async () => {
    const lead = await openPage(`${SCRIPT}<form data-kf-form="lead" data-kf-next="/checkout.html">
      <input name="firstName"><input name="lastName"><input name="emailAddress"><input name="phoneNumber"><input name="address1"><input name="city"><input name="postalCode"></form>`);
    lead.fill(LEAD);
    lead.submit();
    await waitFor(() => lead.navigations.length > 0);
    const saved = JSON.parse(lead.win.sessionStorage.getItem('kf_form')!);
    assert.doesNotMatch(lead.doc.cookie, /Ada|example/);
    lead.close();
    const checkout = await openPage(CHECKOUT, { storage: { kf_form: saved }, cookies: { kf_sid: SID } });
    for (const [name, typed] of Object.entries(LEAD)) assert.equal(value(checkout, name), typed, name);
    assert.equal(value(checkout, 'cardNumber'), '');
    checkout.close();
  });

  test('only empty fields are filled; a value already there stays', async () => {
    const page = await openPage(CHECKOUT.replace('<input name="firstName" required>', '<input name="firstName" required value="Augusta">'), { storage: { kf_form: LEAD } });
    assert.equal(value(page, 'firstName'), 'Augusta');
    assert.equal(value(page, 'lastName'), 'Lovelace');
    page.close();
  });

  test('data-kf-prefill="off" on a form: nothing filled', async () => {
    const page = await openPage(CHECKOUT.replace('data-kf-form="order"', 'data-kf-form="order" data-kf-prefill="off"'), { storage: { kf_form: LEAD } });
    assert.equal(value(page, 'firstName'), '');
    assert.equal(value(page, 'emailAddress'), '');
    page.close();
  });

  test('prefill is the lead only: other fields saved from a form are not filled on load', async () => {
    const page = await openPage(CHECKOUT, { storage: { kf_form: { ...LEAD, custom1: 'x', shipProfileId: '2' } } });
    assert.equal(value(page, 'custom1'), '');
    assert.equal((page.doc.querySelector('[name=shipProfileId][value="1"]') as any).checked, true);
    page.close();
  });
});

describe('back from a failed payment, the form comes back filled but for the card', () => {
  const submitted = async (page: Awaited<ReturnType<typeof openPage>>, extra: () => void = () => {}) => {
    page.fill({ ...GOOD_ORDER, custom1: 'gift' });
    (page.doc.querySelector('[name=shipProfileId][value="2"]') as any).checked = true;
    extra();
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    return JSON.parse(page.win.sessionStorage.getItem('kf_form')!);
  };
  const expectRestored = (page: Awaited<ReturnType<typeof openPage>>) => {
    for (const name of ['firstName', 'lastName', 'emailAddress', 'address1', 'city', 'state', 'postalCode', 'custom1']) assert.notEqual(value(page, name), '', name);
    assert.equal(value(page, 'custom1'), 'gift');
    assert.equal((page.doc.querySelector('[name=shipProfileId][value="2"]') as any).checked, true);
    for (const name of ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode']) assert.equal(value(page, name), '', name);
  };

  test('a failed 3-D Secure (errorMsg): everything but the card; the card never reached storage', async () => {
    const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    const saved = await submitted(page);
    assert.doesNotMatch(JSON.stringify(page.win.sessionStorage), /4111|cardNumber|cardSecurityCode/);
    page.close();
    const back = await openPage(CHECKOUT, { url: 'https://shop.test/checkout.html?errorMsg=Authentication+failed', storage: { kf_form: saved }, cookies: { kf_sid: SID } });
    expectRestored(back);
    assert.match(back.doc.querySelector('[data-kf-errors]')!.textContent!, /Authentication failed/);
    back.close();
  });

  test('a cancelled PayPal (errorMsg) restores too, even with data-kf-prefill="off"', async () => {
    const html = CHECKOUT.replace('data-kf-form="order"', 'data-kf-form="order" data-kf-prefill="off"');
    const back = await openPage(html, { url: 'https://shop.test/checkout.html?errorMsg=PayPal+payment+was+cancelled.', storage: { kf_form: { ...LEAD, state: 'TX', custom1: 'gift', shipProfileId: '2' } } });
    expectRestored(back);
    back.close();
  });

  test('a routed prepaid decline: the data-kf-prepaid-next page gets its order form back filled', async () => {
    const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'ERROR', message: 'Transaction Declined: Prepaid Credit Cards Are Not Accepted' }) }, cookies: { kf_sid: SID } });
    const saved = await submitted(page);
    assert.deepEqual(page.navigations, [`https://shop.test/prepaid.html?sessionId=${SID}`]);
    const storage = { kf_form: saved, kf_restore: JSON.parse(page.win.sessionStorage.getItem('kf_restore')!) };
    page.close();
    const next = await openPage(CHECKOUT, { url: `https://shop.test/prepaid.html?sessionId=${SID}`, storage });
    expectRestored(next);
    assert.equal(next.win.sessionStorage.getItem('kf_restore'), null, 'once');
    next.close();
  });
});
