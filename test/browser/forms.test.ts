import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { messages } from '../../src/browser/messages.js';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor, type Answers } from '../helpers/page.js';

const SID = 'c'.repeat(32);
const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html" data-kf-prepaid-next="/prepaid-offer.html">${CHECKOUT_FIELDS}
  <button type="submit" data-kf-paypal>PayPal</button></form>`;

async function checkout(answers: Answers = {}, options: Parameters<typeof openPage>[1] = {}) {
  const page = await openPage(CHECKOUT, { url: 'https://shop.test/checkout.html?affId=A1', answers, ...options });
  return page;
}

describe('lead form', () => {
  test('Import Lead with the form fields and the session; orderId kept; on to data-kf-next', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="lead" data-kf-next="/checkout.html">
      <input name="firstName" required><input name="lastName" required><input name="emailAddress" required>
      <input name="phoneNumber"><input type="checkbox" name="custom1" value="yes"><button>Go</button></form>`);
    page.fill({ firstName: ' Ada ', lastName: 'Lovelace', emailAddress: 'ada@example.com', phoneNumber: '(512) 555-0100' });
    (page.doc.querySelector('[name=custom1]') as any).checked = true;
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const submitted = page.to('lead').at(-1)!;
    assert.deepEqual(submitted.body, { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', phoneNumber: '(512) 555-0100', custom1: 'yes', campaignId: '3', sessionId: SID });
    assert.equal(page.cookie('kf_oid'), 'LEAD000001');
    assert.deepEqual(page.navigations, ['https://shop.test/checkout.html']);
    assert.equal(page.events.find((e) => e.type === 'success')?.detail.action, 'lead');
    page.close();
  });
});

describe('order form', () => {
  test('without a lead: one Import Order without an orderId (the proxy makes its lead first), typed as typed', async () => {
    const page = await checkout();
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(page.calls.map((c) => c.route).filter((r) => r !== 'click'), ['order']);
    const order = page.to('order')[0];
    assert.deepEqual(order.body, {
      firstName: 'Ada',
      lastName: 'Lovelace',
      emailAddress: 'ada@example.com',
      address1: '1 Analytical Way',
      city: 'Austin',
      state: 'TX',
      postalCode: '78701',
      country: 'US',
      product1_id: '2',
      product1_qty: '1',
      cardNumber: '4111 1111 1111 1111',
      cardMonth: '12',
      cardYear: '2030',
      cardSecurityCode: '123',
      campaignId: '3',
      sessionId: SID,
      errorRedirectsTo: 'https://shop.test/checkout.html?affId=A1',
      redirectsTo: 'https://shop.test/upsell1.html',
      salesUrl: 'https://shop.test/checkout.html?affId=A1',
    });
    assert.match(order.key as string, /^[0-9a-f]{32}$/);
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    assert.equal(page.stored('kf_last').totalAmount, 89.9);
    assert.deepEqual(page.doc.cookie.split('; ').map((c) => c.split('=')[0]).sort(), ['kf_oid', 'kf_sid'], 'nothing else in cookies');
    page.close();
  });

  test('with a lead already made, the order carries its orderId and makes no second lead', async () => {
    const page = await checkout({}, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.to('lead').length, 0);
    assert.equal(page.to('order')[0].body.orderId, 'ABCDE12345');
    page.close();
  });

  test('invalid input: no call; errors on the fields, announced, first bad field focused', async () => {
    const page = await checkout();
    page.fill({ ...GOOD_ORDER, firstName: '', emailAddress: 'nope', cardNumber: '' });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.deepEqual(page.calls.map((c) => c.route), ['click']);
    const first = page.doc.querySelector('[name=firstName]') as any;
    assert.equal(first.getAttribute('aria-invalid'), 'true');
    const note = page.doc.getElementById(first.getAttribute('aria-describedby'));
    assert.equal(note?.textContent, messages.required);
    assert.equal(page.doc.getElementById(page.doc.querySelector('[name=emailAddress]')!.getAttribute('aria-describedby') as string)?.textContent, messages.email);
    assert.equal(page.doc.querySelector('[name=cardNumber]')!.getAttribute('aria-invalid'), 'true');
    const region = page.doc.querySelector('[data-kf-errors]')!;
    assert.equal(region.getAttribute('role'), 'alert');
    assert.equal(region.getAttribute('aria-live'), 'assertive');
    assert.equal(region.textContent, messages.summary);
    assert.equal(page.doc.activeElement, first);
    const error = page.events.find((e) => e.type === 'error')!;
    assert.equal(error.detail.code, 'invalid');
    assert.deepEqual(error.detail.fields.map((f: any) => f.name), ['firstName', 'emailAddress', 'cardNumber']);
    assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
    page.close();
  });

  test("the proxy's card check (400 invalid_card) is shown field by field, in the page's catalog", async () => {
    const fields = { cardNumber: ['cardNumber'], cardSecurityCode: ['cvv', { digits: 4 }], cardYear: ['expiry'] };
    const page = await checkout({ order: () => ({ status: 400, body: { result: 'ERROR', code: 'invalid_card', message: 'Please check the card details.', fields } }) });
    page.fill({ ...GOOD_ORDER, cardNumber: '4111 1111 1111 1112' });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    const note = (name: string) => page.doc.getElementById(page.doc.querySelector(`[name=${name}]`)!.getAttribute('aria-describedby') as string)?.textContent;
    assert.equal(note('cardNumber'), messages.cardNumber);
    assert.equal(note('cardSecurityCode'), 'Please enter the 4-digit security code.');
    assert.equal(note('cardYear'), messages.expiry);
    assert.equal(page.doc.activeElement, page.doc.querySelector('[name=cardNumber]'), 'the first bad field is focused');
    const error = page.events.find((e) => e.type === 'error')!;
    assert.equal(error.detail.code, 'invalid_card');
    assert.deepEqual(error.detail.fields.map((f: any) => f.name), ['cardNumber', 'cardSecurityCode', 'cardYear']);
    assert.equal(page.doc.querySelector('button')!.disabled, false, 'the form is unlocked to correct and resend');
    page.close();
  });

  test('fixing the errors clears them and submits', async () => {
    const page = await checkout();
    page.fill({ ...GOOD_ORDER, emailAddress: 'nope' });
    page.submit();
    await page.settle();
    page.fill({ emailAddress: 'ada@example.com' });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    assert.equal(page.doc.querySelectorAll('.kf-field-error').length, 0);
    page.close();
  });
});

describe("Konnektive's answers, shown or routed", () => {
  const rows: Array<[name: string, message: unknown, expectSummary: RegExp, fields: string[], routed?: boolean]> = [
    ['a decline', 'Transaction Declined: Insufficient Funds', /^Payment declined: Insufficient Funds\. Please try another card\.$/, []],
    ['an object keyed by field', { emailAddress: 'emailAddress is not a valid email address', cardYear: 'expired' }, new RegExp(messages.summary), ['emailAddress', 'cardYear']],
    ['an object naming a field the form lacks', { shipAddress1: 'shipAddress1 is required' }, /shipAddress1 is required/, []],
    ['any other text', 'Order ABC has already been completed', /Order ABC has already been completed/, []],
    ['prepaid', 'Transaction Declined: Prepaid Credit Cards Are Not Accepted', /./, [], true],
    ['debit', 'Transaction Declined: Debit Cards Are Not Accepted', /./, [], true],
    ['mastercard', 'Transaction Declined: MASTERCARD is not a supported card type.', /./, [], true],
  ];
  for (const [name, message, summary, fields, routed] of rows) {
    test(`${name}${routed ? ' -> data-kf-prepaid-next with the sessionId' : ': shown in the form, data kept, ready to retry'}`, async () => {
      const page = await checkout({ order: () => ({ result: 'ERROR', message }) });
      page.fill(GOOD_ORDER);
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'));
      if (routed) {
        assert.deepEqual(page.navigations, [`https://shop.test/prepaid-offer.html?sessionId=${SID}`]);
        assert.match(page.events.find((e) => e.type === 'error')!.detail.code, /^(prepaid|debit|mastercard)$/);
      } else {
        assert.deepEqual(page.navigations, []);
        assert.match(page.doc.querySelector('[data-kf-errors]')!.textContent as string, summary);
        assert.deepEqual([...page.doc.querySelectorAll('[aria-invalid=true]')].map((el: any) => el.name), fields);
        assert.equal((page.doc.querySelector('[name=cardNumber]') as any).value, GOOD_ORDER.cardNumber, 'form data kept');
        assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null, 'unlocked for a retry');
      }
      page.close();
    });
  }

  test('a routed decline without data-kf-prepaid-next is explained instead', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}</form>`, {
      answers: { order: () => ({ result: 'ERROR', message: 'Transaction Declined: Prepaid Credit Cards Are Not Accepted' }) },
    });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, messages.prepaid);
    assert.equal(page.events.find((e) => e.type === 'error')!.detail.code, 'prepaid');
    page.close();
  });

  const failures: Array<[name: string, answer: Answers[string], text: string]> = [
    ['the proxy cannot reach Konnektive (502)', () => ({ status: 502, body: { result: 'ERROR', message: 'x', code: 'upstream_unreachable' } }), messages.unknownOutcome],
    ['Konnektive is slow (504)', () => ({ status: 504, body: { result: 'ERROR', message: 'x', code: 'upstream_timeout' } }), messages.unknownOutcome],
    ['the connection fails twice', () => 'network', messages.unknownOutcome],
    ['a refusal (403)', () => ({ status: 403, body: { result: 'ERROR', message: 'no', code: 'price_override' } }), 'Sorry, something went wrong (price_override).'],
  ];
  for (const [name, answer, text] of failures) {
    test(`order when ${name}: "${text}", data kept`, async () => {
      const page = await checkout({ order: answer }, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
      page.fill(GOOD_ORDER);
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'), 3000);
      assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, text);
      assert.equal((page.doc.querySelector('[name=firstName]') as any).value, 'Ada');
      page.close();
    });
  }

  const notYours = { status: 403, body: { result: 'ERROR', message: 'This order belongs to another visitor.', code: 'not_your_order' } };
  for (const route of ['lead', 'order']) {
    test(`${route} answered 403 not_your_order: kf_oid cleared, the call resent once without orderId`, async () => {
      const page = await checkout({ [route]: (body) => (body.orderId ? notYours : route === 'lead' ? { result: 'SUCCESS', message: { orderId: 'NEWLEAD001' } } : { result: 'SUCCESS', message: { orderId: 'NEWORDER01', totalAmount: 89.9 } }) }, { cookies: { kf_sid: SID, kf_oid: 'OLDORDER01' } });
      if (route === 'lead') {
        // A partial lead: the checkout's typed contact details, sent as the visitor pauses.
        page.fill({ firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com' });
        await waitFor(() => page.to('lead').length === 2, 3000);
        await waitFor(() => page.cookie('kf_oid') === 'NEWLEAD001');
      } else {
        page.fill(GOOD_ORDER);
        page.submit();
        await waitFor(() => page.navigations.length > 0);
        assert.equal(page.cookie('kf_oid'), 'NEWORDER01');
        assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
      }
      const sent = page.to(route);
      assert.equal(sent.length, 2, 'resent once');
      assert.equal(sent[0].body.orderId, 'OLDORDER01');
      assert.equal(sent[1].body.orderId, undefined, 'the resend is a new lead/order, without the old orderId');
      assert.equal(sent[1].body.sessionId, SID);
      assert.equal(page.events.filter((e) => e.type === 'error').length, 0);
      page.close();
    });
  }

  test('not_your_order twice: resent only once, then the refusal is shown', async () => {
    const page = await checkout({ order: () => notYours }, { cookies: { kf_sid: SID, kf_oid: 'OLDORDER01' } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.to('order').length, 2);
    assert.equal(page.to('order')[1].body.orderId, undefined);
    assert.equal(page.events.find((e) => e.type === 'error')!.detail.code, 'not_your_order');
    page.close();
  });

  test('an upsale answered not_your_order is not resent (no order of its own to start)', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html"><input type="hidden" name="product1_id" value="7"><button>Yes</button></form>`, {
      answers: { upsale: () => notYours },
      cookies: { kf_sid: SID, kf_oid: 'OLDORDER01' },
    });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.to('upsale').length, 1);
    assert.equal(page.cookie('kf_oid'), 'OLDORDER01');
    page.close();
  });

});

describe('MERC_REDIRECT', () => {
  test('message.url: the redirect event, then the browser goes there; the form stays locked', async () => {
    const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds?x=1' } }) });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(page.navigations, ['https://bank.test/3ds?x=1']);
    assert.equal(page.events.find((e) => e.type === 'redirect')!.detail.url, 'https://bank.test/3ds?x=1');
    assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), 'true');
    page.close();
  });

  test('message.script: inserted as a script element (no eval)', async () => {
    const script = "window.threeDs = 'started'";
    const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { script } }) });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'redirect'));
    const inserted = [...page.doc.querySelectorAll('script')].at(-1) as any;
    assert.equal(inserted.textContent, script);
    assert.deepEqual(page.navigations, []);
    page.close();
  });

  test('neither url nor script: an error, the form unlocked', async () => {
    const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: {} }) });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
    page.close();
  });
});

describe('never twice', () => {
  test('double click and Enter-mashing: one order call, the form locked while it runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const page = await checkout({ order: async (body) => (await gate, { result: 'SUCCESS', message: { orderId: body.orderId, orderStatus: 'COMPLETE' } }) });
    page.fill(GOOD_ORDER);
    for (let i = 0; i < 6; i++) page.submit();
    await waitFor(() => page.to('order').length === 1);
    const form = page.doc.querySelector('form')!;
    assert.equal(form.getAttribute('aria-busy'), 'true');
    assert.ok([...form.querySelectorAll('button')].every((b: any) => b.disabled));
    page.submit();
    release();
    await waitFor(() => page.navigations.length > 0);
    await page.settle();
    assert.equal(page.to('order').length, 1);
    assert.equal(page.to('lead').length, 0, 'a form being submitted sends no partial lead of its own');
    page.close();
  });

  test('the same attempt resent after an unknown outcome reuses its Idempotency-Key', async () => {
    let n = 0;
    const page = await checkout({ order: () => (++n === 1 ? { status: 504, body: { result: 'ERROR', message: 't', code: 'upstream_timeout' } } : { result: 'SUCCESS', message: { orderStatus: 'COMPLETE' } }) }, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const [first, second] = page.to('order');
    assert.equal(second.key, first.key);
    page.close();
  });

  test('an order without an orderId resent after an unknown outcome is the same attempt: same body, same key', async () => {
    let n = 0;
    const page = await checkout({ order: () => (++n === 1 ? { status: 502, body: { result: 'ERROR', message: 'x', code: 'upstream_bad_response' } } : { result: 'SUCCESS', message: { orderStatus: 'COMPLETE' } }) });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const [first, second] = page.to('order');
    assert.equal(first.body.orderId, undefined);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.key, first.key, 'the proxy settles the lead and order it made for this key, by its orderId');
    page.close();
  });

  test('...and after a reload of the page (the key survives in sessionStorage, beside a hash, never the card)', async () => {
    const page = await checkout({ order: () => ({ status: 504, body: { result: 'ERROR', message: 't', code: 'upstream_timeout' } }) }, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    const key = page.to('order')[0].key;
    const stored = page.win.sessionStorage.getItem('kf_attempt_order') as string;
    assert.ok(stored.includes(key as string));
    assert.ok(!stored.includes('4111'), 'no card data in storage');
    const reloaded = await checkout({}, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' }, storage: { kf_attempt_order: JSON.parse(stored) } });
    reloaded.fill(GOOD_ORDER);
    reloaded.submit();
    await waitFor(() => reloaded.navigations.length > 0);
    assert.equal(reloaded.to('order')[0].key, key);
    page.close();
    reloaded.close();
  });

  test('a new attempt after a definite answer (a decline) gets a new key; so does changed data', async () => {
    const page = await checkout({ order: () => ({ result: 'ERROR', message: 'Transaction Declined: Do Not Honor' }) }, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.to('order').length === 1 && page.events.some((e) => e.type === 'error'));
    page.submit();
    await waitFor(() => page.to('order').length === 2);
    await page.settle();
    page.fill({ cardNumber: '5555555555554444' });
    page.submit();
    await waitFor(() => page.to('order').length === 3);
    const keys = page.to('order').map((c) => c.key);
    assert.equal(new Set(keys).size, 3);
    page.close();
  });
});

describe('events and the payload', () => {
  test('kfunnel:before-submit can edit the payload', async () => {
    const page = await checkout();
    page.doc.addEventListener('kfunnel:before-submit', (event: any) => (event.detail.payload.custom2 = 'from-listener'));
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.to('order')[0].body.custom2, 'from-listener');
    page.close();
  });

  test('kfunnel:before-submit can cancel: no call, the form unlocked', async () => {
    const page = await checkout();
    page.doc.addEventListener('kfunnel:before-submit', (event: any) => event.preventDefault());
    page.fill(GOOD_ORDER);
    await page.settle(); // the partial lead made while filling the fields goes first
    const before = page.calls.length;
    page.submit();
    await page.settle();
    assert.equal(page.calls.length, before, 'the cancelled submit made no call');
    assert.equal(page.to('order').length, 0);
    assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
    page.close();
  });

  test('without data-kf-next the page stays, fires success and unlocks', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="lead"><input name="firstName" value="A"><input name="lastName" value="B"><input name="emailAddress" value="a@b.co"><button>Go</button></form>`);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'success' && !e.detail.partial));
    assert.deepEqual(page.navigations, []);
    assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
    page.close();
  });

  test('a page restored from the back-forward cache unlocks a locked form', async () => {
    const page = await checkout({ order: () => 'hang' });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.to('order').length === 1);
    const form = page.doc.querySelector('form')!;
    assert.equal(form.getAttribute('aria-busy'), 'true');
    const event = new page.win.Event('pageshow');
    Object.defineProperty(event, 'persisted', { value: true });
    page.win.dispatchEvent(event);
    assert.equal(form.getAttribute('aria-busy'), null);
    assert.ok([...form.querySelectorAll('button')].every((b: any) => !b.disabled));
    page.close();
  });

  test('a form with an unknown data-kf-form is reported and left alone', async () => {
    const errors: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const page = await openPage(`${SCRIPT}<form data-kf-form="orders"><button>Go</button></form>`);
      page.submit();
      await page.settle();
      assert.deepEqual(page.calls.map((c) => c.route), ['click']);
      assert.ok(errors.some((args) => args[0] === '[kfunnel]' && /data-kf-form="[^"]*": use lead,order,upsale/.test(String(args[1]))));
      page.close();
    } finally {
      console.error = original;
    }
  });
});

describe('PayPal', () => {
  test('the data-kf-paypal submit button sends paySource=PAYPAL, without card fields or their checks', async () => {
    const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://paypal.test/checkoutnow?token=EC-1' } }) });
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...rest } = GOOD_ORDER;
    page.fill(rest);
    page.submit(undefined, page.doc.querySelector('[data-kf-paypal]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    const body = page.to('order')[0].body;
    assert.equal(body.paySource, 'PAYPAL');
    for (const field of ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode']) assert.equal(body[field], undefined);
    assert.equal(body.salesUrl, 'https://shop.test/checkout.html?affId=A1');
    assert.deepEqual(page.navigations, ['https://paypal.test/checkoutnow?token=EC-1']);
    page.close();
  });

  test('a PayPal control that is not a submit button submits the order form too', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS}</form><a data-kf-paypal role="button">PayPal</a>`, {
      answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://paypal.test/x' } }) },
    });
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...rest } = GOOD_ORDER;
    page.fill(rest);
    (page.doc.querySelector('[data-kf-paypal]') as any).click();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.to('order')[0].body.paySource, 'PAYPAL');
    page.close();
  });
});

describe('upsale form', () => {
  const UPSELL = `${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html">
    <label><input type="radio" name="productId" value="10" checked> One</label>
    <label><input type="radio" name="productId" value="11"> Two</label>
    <input type="hidden" name="replaceProductId" value="2">
    <button>Yes</button>
    <a href="/upsell2.html" data-kf-decline>No thanks</a>
    <button type="button" data-kf-decline>No, skip</button></form>`;

  test('one click: the chosen offer, replaceProductId, orderId and sessionId, with return links', async () => {
    const page = await openPage(UPSELL, { url: 'https://shop.test/upsell1.html', cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    (page.doc.querySelectorAll('[name=productId]')[1] as any).checked = true;
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(page.to('upsale')[0].body, {
      productId: '11',
      replaceProductId: '2',
      campaignId: '3',
      sessionId: SID,
      orderId: 'ABCDE12345',
      errorRedirectsTo: 'https://shop.test/upsell1.html',
      redirectsTo: 'https://shop.test/upsell2.html',
    });
    assert.match(page.to('upsale')[0].key as string, /^[0-9a-f]{32}$/);
    assert.deepEqual(page.navigations, ['https://shop.test/upsell2.html']);
    page.close();
  });

  test('decline: a link goes by itself and a decline button to data-kf-next, with no call', async () => {
    const page = await openPage(UPSELL, { cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    const link = page.doc.querySelector('a[data-kf-decline]') as any;
    const event = new page.win.MouseEvent('click', { bubbles: true, cancelable: true });
    link.dispatchEvent(event);
    assert.equal(event.defaultPrevented, false, 'the link navigates natively');
    (page.doc.querySelector('button[data-kf-decline]') as any).click();
    await page.settle();
    assert.deepEqual(page.navigations, ['https://shop.test/upsell2.html']);
    assert.equal(page.to('upsale').length, 0);
    page.close();
  });

  test('without an order: no call, and the visitor is told', async () => {
    const page = await openPage(UPSELL, { cookies: { kf_sid: SID } });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.to('upsale').length, 0);
    assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, messages.noOrder);
    page.close();
  });
});

describe('forms the script binds', () => {
  test('get novalidate and method="post" (browser pop-ups never hide kfunnel errors; a card never goes in a URL)', async () => {
    const page = await openPage(`${SCRIPT}<form data-kf-form="lead" method="get"></form><form data-kf-form="order"></form><form id="other"></form>`);
    const [lead, order, other] = [...page.doc.querySelectorAll('form')] as any[];
    for (const form of [lead, order]) {
      assert.equal(form.noValidate, true);
      assert.equal(form.getAttribute('method'), 'post');
    }
    assert.equal(other.noValidate, false, 'a form kfunnel does not bind is left alone');
    page.close();
  });

  test('PayPal on a form whose card fields are required and empty: no card checks, no card fields sent', async () => {
    const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://paypal.test/x' } }) });
    const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...rest } = GOOD_ORDER;
    page.fill(rest);
    assert.ok([...page.doc.querySelectorAll('[name^=card]')].every((el: any) => el.required && !el.value));
    page.submit(undefined, page.doc.querySelector('[data-kf-paypal]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    assert.deepEqual(Object.keys(page.to('order')[0].body).filter((k) => k.startsWith('card')), []);
    page.close();
  });
});

describe('MERC_REDIRECT to anything but a web page', () => {
  for (const url of ['javascript:alert(document.cookie)', ' javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', '//evil.test/x', 'ftp://x.test/']) {
    test(`${url}: refused with a visible error, no navigation, the form usable`, async () => {
      const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { url } }) });
      page.fill(GOOD_ORDER);
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'));
      assert.deepEqual(page.navigations, []);
      assert.equal(page.events.some((e) => e.type === 'redirect'), false);
      assert.equal(page.events.find((e) => e.type === 'error')!.detail.code, 'bad_redirect');
      assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, messages.badRedirect);
      assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
      assert.equal((page.doc.querySelector('[name=firstName]') as any).value, GOOD_ORDER.firstName, 'nothing typed is lost');
      page.close();
    });
  }
  test('http: and https: pages are followed', async () => {
    for (const url of ['https://bank.test/3ds', 'HTTP://sandbox.test/pay']) {
      const page = await checkout({ order: () => ({ result: 'MERC_REDIRECT', message: { url } }) });
      page.fill(GOOD_ORDER);
      page.submit();
      await waitFor(() => page.navigations.length > 0);
      assert.deepEqual(page.navigations, [url]);
      page.close();
    }
  });
});

describe('data-kf-pay: prepaid methods (Klarna and the like)', () => {
  const PAY = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}
    <button type="submit" data-kf-pay="KLARNA">Klarna</button><button type="submit" data-kf-paypal>PayPal</button></form>
    <button type="button" data-kf-pay="IDEAL">iDEAL</button>`;
  const redirect: Answers = { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://pay.test/klarna?t=1' } }) };
  const { cardNumber, cardMonth, cardYear, cardSecurityCode, ...customer } = GOOD_ORDER;
  const cardKeys = (body: Record<string, string>) => Object.keys(body).filter((k) => k.startsWith('card'));

  test('a data-kf-pay submit button: paySource=PREPAID and its prepaidType; required, empty card fields neither checked nor sent', async () => {
    const page = await openPage(PAY, { answers: redirect });
    page.fill(customer);
    assert.ok([...page.doc.querySelectorAll('[name^=card]')].every((el: any) => el.required && !el.value));
    page.submit(undefined, page.doc.querySelector('[data-kf-pay=KLARNA]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    const body = page.to('order')[0].body;
    assert.equal(body.paySource, 'PREPAID');
    assert.equal(body.prepaidType, 'KLARNA');
    assert.deepEqual(cardKeys(body), []);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    assert.deepEqual(page.navigations, ['https://pay.test/klarna?t=1']);
    page.close();
  });

  test('card fields the visitor typed are not sent with a prepaid method either', async () => {
    const page = await openPage(PAY, { answers: redirect });
    page.fill({ ...customer, cardNumber: '4111 1111 1111 1111', cardSecurityCode: '12' });
    page.submit(undefined, page.doc.querySelector('[data-kf-pay=KLARNA]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(cardKeys(page.to('order')[0].body), []);
    page.close();
  });

  test('a data-kf-pay control that is not a submit button (outside the form) submits the order form with its method', async () => {
    const page = await openPage(PAY, { answers: redirect });
    page.fill(customer);
    (page.doc.querySelector('[data-kf-pay=IDEAL]') as any).click();
    await waitFor(() => page.navigations.length > 0);
    const body = page.to('order')[0].body;
    assert.deepEqual([body.paySource, body.prepaidType], ['PREPAID', 'IDEAL']);
    assert.deepEqual(cardKeys(body), []);
    page.close();
  });

  test('on the same form data-kf-paypal still sends paySource=PAYPAL, without a prepaidType', async () => {
    const page = await openPage(PAY, { answers: redirect });
    page.fill(customer);
    page.submit(undefined, page.doc.querySelector('[data-kf-paypal]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    const body = page.to('order')[0].body;
    assert.equal(body.paySource, 'PAYPAL');
    assert.equal(body.prepaidType, undefined);
    page.close();
  });

  test('the plain submit button is still a card payment, checked as one', async () => {
    const page = await openPage(PAY.replace('<button type="submit">Pay</button>', '<button type="submit" id="pay">Pay</button>'), { answers: redirect });
    page.fill(customer);
    page.submit(undefined, page.doc.querySelector('#pay') as unknown as Element);
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.to('order').length, 0);
    assert.deepEqual([...page.doc.querySelectorAll('[aria-invalid=true]')].map((el: any) => el.name), ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode']);
    assert.equal(page.events.find((e) => e.type === 'error')!.detail.code, 'invalid');
    page.close();
  });
});

describe('one-click upsell declines', () => {
  const UPSALE = (next = ' data-kf-next="/upsell2.html"', more = '') =>
    `${SCRIPT}<form data-kf-form="upsale"${next}><input type="hidden" name="productId" value="7">${more}<button>Yes</button><a href="/upsell2.html" data-kf-decline>No thanks</a></form>`;
  const cookies = { kf_sid: SID, kf_oid: 'ABCDE12345' };
  const region = (page: Awaited<ReturnType<typeof openPage>>) => page.doc.querySelector('[data-kf-errors]')!;

  for (const [name, text] of [
    ['a decline', 'Transaction Declined: Insufficient Funds'],
    ['any other refusal', 'Offer not available for this campaign'],
  ] as const) {
    test(`${name}: the offer could not be added, and a Continue link to data-kf-next (no "another card")`, async () => {
      const page = await openPage(UPSALE(), { url: 'https://shop.test/upsell1.html', answers: { upsale: () => ({ result: 'ERROR', message: text }) }, cookies });
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'));
      assert.equal(region(page).textContent, `${messages.upsaleFailed} ${messages.continue}`);
      assert.doesNotMatch(region(page).textContent!, /card/i);
      const links = region(page).querySelectorAll('a');
      assert.equal(links.length, 1);
      assert.equal(links[0].getAttribute('href'), 'https://shop.test/upsell2.html');
      assert.deepEqual(page.navigations, [], 'the visitor chooses to go on');
      const error = page.events.find((e) => e.type === 'error')!;
      assert.deepEqual([error.target, error.detail.action, error.detail.code, error.detail.message], ['FORM', 'upsale', 'konnektive', messages.upsaleFailed]);
      assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
      page.close();
    });
  }

  test("the page's own upsaleFailed and continue texts are used", async () => {
    const saved = { upsaleFailed: messages.upsaleFailed, continue: messages.continue };
    try {
      const page = await openPage(UPSALE(), { answers: { upsale: () => ({ result: 'ERROR', message: 'Transaction Declined: Do Not Honor' }) }, cookies });
      (page.win as any).kfunnel.messages.upsaleFailed = 'Leider nicht möglich.';
      (page.win as any).kfunnel.messages.continue = 'Weiter';
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'));
      assert.equal(region(page).textContent, 'Leider nicht möglich. Weiter');
      page.close();
    } finally {
      Object.assign(messages, saved);
    }
  });

  test('without data-kf-next: the message, and no link', async () => {
    const page = await openPage(UPSALE(''), { answers: { upsale: () => ({ result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }) }, cookies });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(region(page).textContent, messages.upsaleFailed);
    assert.equal(region(page).querySelector('a'), null);
    page.close();
  });

  test('a second try that fails again shows one message and one link', async () => {
    const page = await openPage(UPSALE(), { answers: { upsale: () => ({ result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }) }, cookies });
    page.submit();
    await waitFor(() => page.events.filter((e) => e.type === 'error').length === 1);
    page.submit();
    await waitFor(() => page.events.filter((e) => e.type === 'error').length === 2);
    assert.equal(page.doc.querySelectorAll('[data-kf-errors]').length, 1);
    assert.equal(region(page).textContent, `${messages.upsaleFailed} ${messages.continue}`);
    assert.equal(region(page).querySelectorAll('a').length, 1);
    page.close();
  });

  for (const [name, answer] of [
    ['the connection fails', () => 'network'],
    ['Konnektive is slow (504)', () => ({ status: 504, body: { result: 'ERROR', message: 't', code: 'upstream_timeout' } })],
  ] as Array<[string, Answers[string]]>) {
    test(`an upsale whose outcome is unknown (${name}) says so: try again, never charged twice, and no Continue link`, async () => {
      const page = await openPage(UPSALE(), { answers: { upsale: answer }, cookies });
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'), 3000);
      assert.equal(region(page).textContent, messages.unknownOutcome);
      assert.equal(region(page).querySelector('a'), null, 'leaving now could leave a charge unconfirmed: the retry is the way on');
      assert.doesNotMatch(region(page).textContent!, new RegExp(messages.upsaleFailed));
      assert.notEqual(page.events.find((e) => e.type === 'error')!.detail.code, 'konnektive');
      page.close();
    });
  }
});

describe("the proxy's card check (400 invalid_card)", () => {
  const invalid = (fields: Record<string, unknown>) => ({ status: 400, body: { result: 'ERROR', code: 'invalid_card', message: 'Please check the card details.', fields } });
  const note = (page: Awaited<ReturnType<typeof openPage>>, name: string) =>
    page.doc.getElementById(page.doc.querySelector(`[name=${name}]`)!.getAttribute('aria-describedby') as string)?.textContent;

  test('the values fill the message: a 3-digit code says 3', async () => {
    const page = await checkout({ order: () => invalid({ cardSecurityCode: ['cvv', { digits: 3 }] }) });
    page.fill({ ...GOOD_ORDER, cardSecurityCode: '1' });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(note(page, 'cardSecurityCode'), 'Please enter the 3-digit security code.');
    assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, messages.summary);
    assert.deepEqual([...page.doc.querySelectorAll('[aria-invalid=true]')].map((el: any) => el.name), ['cardSecurityCode']);
    page.close();
  });

  test("a page that replaced kfunnel.messages.cardNumber sees its own text", async () => {
    const original = messages.cardNumber;
    try {
      const page = await checkout({ order: () => invalid({ cardNumber: ['cardNumber'] }) });
      (page.win as any).kfunnel.messages.cardNumber = 'Bitte Kartennummer prüfen.';
      page.fill(GOOD_ORDER);
      page.submit();
      await waitFor(() => page.events.some((e) => e.type === 'error'));
      assert.equal(note(page, 'cardNumber'), 'Bitte Kartennummer prüfen.');
      assert.equal(page.events.find((e) => e.type === 'error')!.detail.fields[0].text, 'Bitte Kartennummer prüfen.');
      page.close();
    } finally {
      messages.cardNumber = original;
    }
  });

  test('a card field the form lacks is said in the summary', async () => {
    const html = `${SCRIPT}<form data-kf-form="order">${CHECKOUT_FIELDS.replace('<input name="cardSecurityCode" required>', '')}</form>`;
    const page = await openPage(html, { answers: { order: () => invalid({ cardSecurityCode: ['cvv', { digits: 4 }] }) } });
    const { cardSecurityCode, ...rest } = GOOD_ORDER;
    page.fill(rest);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, `${messages.summary} Please enter the 4-digit security code.`);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    page.close();
  });

  test('the PayPal button never triggers it: no card field is sent, none is marked, even with a bad card typed', async () => {
    // The proxy checks only a card it is sent.
    const page = await checkout({ order: (body) => (body.cardNumber !== undefined || body.cardSecurityCode !== undefined ? invalid({ cardNumber: ['cardNumber'] }) : { result: 'MERC_REDIRECT', message: { url: 'https://paypal.test/x' } }) });
    page.fill({ ...GOOD_ORDER, cardNumber: '1234', cardSecurityCode: '1' });
    page.submit(undefined, page.doc.querySelector('[data-kf-paypal]') as unknown as Element);
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(Object.keys(page.to('order')[0].body).filter((k) => k.startsWith('card')), []);
    assert.deepEqual(page.navigations, ['https://paypal.test/x']);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    assert.equal(page.events.some((e) => e.type === 'error'), false);
    page.close();
  });

  test('after the card is corrected, the resend goes through and the field errors are gone', async () => {
    const page = await checkout({ order: (body) => (body.cardNumber === '4111 1111 1111 1112' ? invalid({ cardNumber: ['cardNumber'] }) : { result: 'SUCCESS', message: { orderId: 'ORDER00001', orderStatus: 'COMPLETE' } }) });
    page.fill({ ...GOOD_ORDER, cardNumber: '4111 1111 1111 1112' });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.doc.querySelector('[name=cardNumber]')!.getAttribute('aria-invalid'), 'true');
    page.fill({ cardNumber: GOOD_ORDER.cardNumber });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.doc.querySelectorAll('[aria-invalid]').length, 0);
    assert.equal(page.doc.querySelectorAll('.kf-field-error').length, 0);
    const [first, second] = page.to('order');
    assert.notEqual(second.key, first.key, 'a definite answer closed the first attempt');
    page.close();
  });
});

describe('radio groups in a whole form submit', () => {
  test('a required package (product*_id) group says messages.package, any other group messages.choose; no call', async () => {
    const html = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS.replace('<input type="hidden" name="product1_id" value="2">', '')}
      <label><input type="radio" name="product1_id" value="2" required>One bottle</label><label><input type="radio" name="product1_id" value="3">Three bottles</label>
      <label><input type="radio" name="shipProfileId" value="1" required>Standard</label><label><input type="radio" name="shipProfileId" value="2">Express</label></form>`;
    const page = await openPage(html);
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.equal(page.to('order').length, 0);
    const error = page.events.find((e) => e.type === 'error')!;
    assert.deepEqual(error.detail.fields, [
      { name: 'product1_id', text: messages.package },
      { name: 'shipProfileId', text: messages.choose },
    ]);
    for (const [name, text] of [['product1_id', messages.package], ['shipProfileId', messages.choose]]) {
      const radios = [...page.doc.querySelectorAll(`[name=${name}]`)] as any[];
      assert.ok(radios.every((r) => r.getAttribute('aria-invalid') === 'true'), `every ${name} radio is marked`);
      const notes = page.doc.querySelectorAll(`#${radios[0].getAttribute('aria-describedby')}`);
      assert.equal(notes.length, 1);
      assert.equal(notes[0].textContent, text);
      assert.equal(radios[1].closest('label').nextElementSibling, notes[0], 'after the label of the last radio');
    }
    assert.equal(page.doc.activeElement, page.doc.querySelector('[name=product1_id]'));
    // Choosing both sends the order.
    (page.doc.querySelectorAll('[name=product1_id]')[1] as any).checked = true;
    (page.doc.querySelectorAll('[name=shipProfileId]')[0] as any).checked = true;
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual([page.to('order')[0].body.product1_id, page.to('order')[0].body.shipProfileId], ['3', '1']);
    page.close();
  });
});
