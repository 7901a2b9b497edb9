import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor } from '../helpers/page.js';

type Page = Awaited<ReturnType<typeof openPage>>;

const SID = 'c'.repeat(32);
const CARD = ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode'];
const LEAD = { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', phoneNumber: '512-555-0100', address1: '1 Analytical Way', city: 'Austin', postalCode: '78701' };
const LEAD_PAGE = `${SCRIPT}<form data-kf-form="lead" data-kf-next="/checkout.html">
  <input name="firstName"><input name="lastName"><input name="emailAddress"><input name="phoneNumber"><input name="address1"><input name="city"><input name="postalCode"></form>`;
const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html" data-kf-prepaid-next="/prepaid.html">${CHECKOUT_FIELDS}
  <label><input type="radio" name="shipProfileId" value="1" checked>Standard</label><label><input type="radio" name="shipProfileId" value="2">Express</label>
  <label><input type="checkbox" name="custom2" value="gift">Gift wrap</label>
  <input name="custom1"></form>`;

const value = (page: Page, name: string) => (page.doc.querySelector(`[name="${name}"]`) as any).value;
const checked = (page: Page, name: string, v: string) => (page.doc.querySelector(`[name="${name}"][value="${v}"]`) as any).checked;

describe('prefill: a form fills its empty fields from what the visitor last submitted', () => {
  test('the lead page the visitor submitted fills the checkout (sessionStorage only: no cookie holds it)', async () => {
    const lead = await openPage(LEAD_PAGE, { url: 'https://shop.test/lead.html' });
    lead.fill(LEAD);
    lead.submit();
    await waitFor(() => lead.navigations.length > 0);
    const saved = lead.stored('kf_form');
    assert.doesNotMatch(lead.doc.cookie, /Ada|example|Lovelace/);
    lead.close();
    const checkout = await openPage(CHECKOUT, { storage: { kf_form: saved }, cookies: { kf_sid: SID } });
    for (const [name, typed] of Object.entries(LEAD)) assert.equal(value(checkout, name), typed, name);
    for (const name of CARD) assert.equal(value(checkout, name), '', name);
    checkout.close();
  });

  test('the order submit never stores a card field (not even a PayPal order whose card was typed)', async () => {
    const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    page.fill({ ...GOOD_ORDER, custom1: 'note' });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const saved = page.stored('kf_form');
    assert.equal(saved.firstName, 'Ada');
    assert.equal(saved.custom1, 'note');
    for (const name of CARD) assert.equal(name in saved, false, name);
    assert.doesNotMatch(JSON.stringify({ ...page.win.sessionStorage }), /4111|2030/, 'no card number or expiry anywhere in sessionStorage');
    page.close();
  });

  test('what the checkout adds is kept beside the lead; what it left empty does not blank the lead', async () => {
    const page = await openPage(CHECKOUT, { storage: { kf_form: { ...LEAD, custom3: 'from-lead' } }, cookies: { kf_sid: SID }, answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) } });
    page.fill({ ...GOOD_ORDER, phoneNumber: '', city: 'Dallas' });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const saved = page.stored('kf_form');
    assert.equal(saved.city, 'Dallas', 'the latest value wins');
    assert.equal(saved.phoneNumber, LEAD.phoneNumber, 'an empty field sends nothing, so the lead page value stays');
    assert.equal(saved.custom3, 'from-lead');
    assert.equal(saved.state, 'TX');
    page.close();
  });

  test('any saved field fills (not only the contact details): a textarea, a select left on its empty placeholder', async () => {
    const html = `${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}<textarea name="custom4"></textarea>
      <select name="shipCountry"><option value="">Choose</option><option value="US">US</option><option value="CA">CA</option></select></form>`;
    const page = await openPage(html, { storage: { kf_form: { ...LEAD, custom4: 'Leave at the door', shipCountry: 'CA' } } });
    assert.equal(value(page, 'custom4'), 'Leave at the door');
    assert.equal(value(page, 'shipCountry'), 'CA');
    page.close();
  });

  test('a field that already has a value is left alone', async () => {
    const page = await openPage(CHECKOUT.replace('<input name="firstName" required>', '<input name="firstName" required value="Augusta">'), { storage: { kf_form: LEAD } });
    assert.equal(value(page, 'firstName'), 'Augusta');
    assert.equal(value(page, 'lastName'), 'Lovelace');
    page.close();
  });

  test('hidden fields are the page\'s own and file inputs take no text: neither is filled', async () => {
    const html = `${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}<input type="hidden" name="custom5"><input type="file" name="custom6"></form>`;
    const page = await openPage(html, { storage: { kf_form: { ...LEAD, product1_id: '9', product1_qty: '3', custom5: 'x', custom6: 'C:\\fakepath\\a.png' } } });
    assert.equal(value(page, 'firstName'), 'Ada', 'the visible fields are filled');
    assert.equal(value(page, 'product1_id'), '2');
    assert.equal(value(page, 'product1_qty'), '1');
    assert.equal(value(page, 'custom5'), '');
    assert.equal(value(page, 'custom6'), '');
    page.close();
  });

  test('on load radios and checkboxes keep the page\'s own choice (only a failed payment brings them back)', async () => {
    const page = await openPage(CHECKOUT, { storage: { kf_form: { ...LEAD, shipProfileId: '2', custom2: 'gift', custom1: 'note' } } });
    assert.equal(value(page, 'custom1'), 'note', 'text fields are filled');
    assert.equal(checked(page, 'shipProfileId', '1'), true);
    assert.equal(checked(page, 'shipProfileId', '2'), false);
    assert.equal(checked(page, 'custom2', 'gift'), false);
    page.close();
  });

  test('data-kf-prefill="off" on a form: nothing filled; another form on the page still is', async () => {
    const html = `${SCRIPT}<form data-kf-form="order" data-kf-prefill="off">${CHECKOUT_FIELDS}</form><form data-kf-form="lead" id="lead"><input name="emailAddress"></form>`;
    const page = await openPage(html, { storage: { kf_form: LEAD } });
    const order = page.doc.querySelector('form[data-kf-form=order]')!;
    for (const name of ['firstName', 'emailAddress', 'city']) assert.equal((order.querySelector(`[name=${name}]`) as any).value, '', name);
    assert.equal((page.doc.querySelector('#lead [name=emailAddress]') as any).value, LEAD.emailAddress);
    page.close();
  });

  test('an upsale form is neither filled nor saved', async () => {
    const html = `${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html"><input name="firstName"><input type="hidden" name="productId" value="7"><button>Yes</button></form>`;
    const page = await openPage(html, { url: 'https://shop.test/upsell1.html', storage: { kf_form: LEAD }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    assert.equal(value(page, 'firstName'), '');
    page.fill({ firstName: 'Grace' });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(page.stored('kf_form'), LEAD);
    page.close();
  });
});

describe('back from a failed payment (errorMsg), the form comes back filled but for the card', () => {
  /** Submits the checkout as the visitor did before going to pay: express shipping, gift wrap, a note. */
  const submitted = async (page: Page) => {
    page.fill({ ...GOOD_ORDER, custom1: 'note' });
    (page.doc.querySelector('[name=shipProfileId][value="2"]') as any).checked = true;
    (page.doc.querySelector('[name=custom2]') as any).checked = true;
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    return page.stored('kf_form');
  };
  const expectRestored = (page: Page) => {
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...typed } = GOOD_ORDER;
    for (const [name, v] of Object.entries({ ...typed, custom1: 'note' })) assert.equal(value(page, name), v, name);
    assert.equal(checked(page, 'shipProfileId', '2'), true);
    assert.equal(checked(page, 'shipProfileId', '1'), false);
    assert.equal(checked(page, 'custom2', 'gift'), true);
    for (const name of CARD) assert.equal(value(page, name), '', name);
  };

  test('a failed 3-D Secure: everything but the card, radios and checkboxes too; the reason is shown', async () => {
    const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    const saved = await submitted(page);
    page.close();
    const back = await openPage(CHECKOUT, { url: 'https://shop.test/checkout.html?errorMsg=Authentication+failed', storage: { kf_form: saved }, cookies: { kf_sid: SID } });
    expectRestored(back);
    assert.match(back.doc.querySelector('[data-kf-errors]')!.textContent!, /Authentication failed/);
    back.close();
  });

  test('a cancelled PayPal restores too, even with data-kf-prefill="off"', async () => {
    const html = CHECKOUT.replace('data-kf-form="order"', 'data-kf-form="order" data-kf-prefill="off"');
    const page = await openPage(html, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://paypal.test/x' } }) }, cookies: { kf_sid: SID } });
    const saved = await submitted(page);
    page.close();
    const back = await openPage(html, { url: 'https://shop.test/checkout.html?errorMsg=PayPal+payment+was+cancelled.', storage: { kf_form: saved }, cookies: { kf_sid: SID } });
    expectRestored(back);
    back.close();
  });

  test('a radio the page pre-checks gives way to the one the visitor chose; a value typed on the page still stands', async () => {
    const html = CHECKOUT.replace('<input name="city" required>', '<input name="city" required value="Houston">');
    const back = await openPage(html, { url: 'https://shop.test/checkout.html?errorMsg=Declined', storage: { kf_form: { ...LEAD, shipProfileId: '2' } } });
    assert.equal(checked(back, 'shipProfileId', '1'), false);
    assert.equal(checked(back, 'shipProfileId', '2'), true);
    assert.equal(value(back, 'city'), 'Houston');
    back.close();
  });

  test('checkbox groups: every value the visitor sent comes back checked, the others unchecked', async () => {
    const html = `${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}
      <input type="checkbox" name="custom7" value="a" checked><input type="checkbox" name="custom7" value="b"><input type="checkbox" name="custom7" value="c"></form>`;
    const page = await openPage(html, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    page.fill(GOOD_ORDER);
    const boxes = [...page.doc.querySelectorAll('[name=custom7]')] as any[];
    boxes[0].checked = false;
    boxes[1].checked = true;
    boxes[2].checked = true;
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const saved = page.stored('kf_form');
    page.close();
    const back = await openPage(html, { url: 'https://shop.test/checkout.html?errorMsg=x', storage: { kf_form: saved } });
    assert.deepEqual([...back.doc.querySelectorAll('[name=custom7]')].map((box: any) => box.checked), [false, true, true]);
    back.close();
  });

  test("a select: on load it keeps the page's option; after a failed payment, the visitor's choice", async () => {
    const html = CHECKOUT.replace('<option value="US">US</option>', '<option value="US">US</option><option value="CA">CA</option>');
    const storage = { kf_form: { ...LEAD, country: 'CA' } };
    const load = await openPage(html, { storage });
    assert.equal(value(load, 'country'), 'US');
    load.close();
    const back = await openPage(html, { url: 'https://shop.test/checkout.html?errorMsg=Authentication+failed', storage });
    assert.equal(value(back, 'country'), 'CA');
    back.close();
  });

  test('a routed prepaid decline: the offer page prefills its fields, its own choices stand', async () => {
    const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'ERROR', message: 'Transaction Declined: Prepaid Credit Cards Are Not Accepted' }) }, cookies: { kf_sid: SID } });
    const saved = await submitted(page);
    assert.equal(page.navigations.length, 1);
    assert.match(page.navigations[0], /^https:\/\/shop\.test\/prepaid\.html\?sessionId=c{32}/);
    page.close();
    const next = await openPage(CHECKOUT, { url: `https://shop.test/prepaid.html?sessionId=${SID}`, storage: { kf_form: saved } });
    assert.equal(value(next, 'firstName'), 'Ada');
    assert.equal(value(next, 'custom1'), 'note');
    assert.equal(checked(next, 'shipProfileId', '1'), true, 'the offer page keeps its own shipping choice');
    assert.equal(checked(next, 'custom2', 'gift'), false);
    for (const name of CARD) assert.equal(value(next, name), '', name);
    next.close();
  });
});
