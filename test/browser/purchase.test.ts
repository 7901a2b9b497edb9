import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor, type AnswerPurchase, type PageOptions } from '../helpers/page.js';

type Page = Awaited<ReturnType<typeof openPage>>;

const SID = 'c'.repeat(32);
/** What the proxy computed for the sale (src/proxy/purchase.ts): the order's lines at its total. */
const SALE: AnswerPurchase = { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] };
const UPSALE: AnswerPurchase = { transaction_id: 'ABCDE12345-U1', value: 24.95, items: [{ item_id: '7', item_name: 'Night Cream', price: 24.95, quantity: 1 }] };
const ORDER = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 84.85, emailAddress: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' };

const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}</form>`;
const UPSELL = `${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html"><input type="hidden" name="productId" value="7"><button>Yes</button></form>`;
const tag = (attributes: string) => CHECKOUT.replace('data-campaign-id', `${attributes} data-campaign-id`);

/** window.dataLayer and window.fbq as GTM and the Meta pixel define them, recording every call. */
function tags() {
  const dataLayer: unknown[] = [];
  const fbqCalls: unknown[][] = [];
  return { dataLayer, fbqCalls, globals: { dataLayer, fbq: (...args: unknown[]) => fbqCalls.push(args) } };
}

/** Pays on the checkout; the proxy answers the sale with `purchase` unless the test says otherwise. */
async function buy(options: PageOptions = {}, html = CHECKOUT) {
  const page = await openPage(html, {
    answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) },
    purchases: { order: () => SALE },
    cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
    ...options,
  });
  page.fill(GOOD_ORDER);
  page.submit();
  await waitFor(() => page.navigations.length > 0);
  return page;
}

const purchases = (page: Page) => page.events.filter((e) => e.type === 'purchase');

/** Catches console.error while `run` runs. */
async function consoleErrors(run: () => Promise<void>): Promise<unknown[][]> {
  const errors: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => errors.push(args);
  try {
    await run();
  } finally {
    console.error = original;
  }
  return errors;
}

describe('kfunnel:purchase', () => {
  test("the order: one bubbling event on the form, the proxy's purchase with the currency, fired before the page is left", async () => {
    const seen: Array<{ bubbles: boolean; navigated: number }> = [];
    let page!: Page;
    page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) }, purchases: { order: () => SALE }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' } });
    page.doc.addEventListener('kfunnel:purchase', (event: any) => seen.push({ bubbles: event.bubbles, navigated: page.navigations.length }));
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const answered = (page.to('order')[0].answer as { purchase: AnswerPurchase }).purchase;
    assert.deepEqual(purchases(page), [{ type: 'purchase', target: 'FORM', detail: { ...answered, currency: 'USD' } }]);
    assert.deepEqual(seen, [{ bubbles: true, navigated: 0 }]);
    assert.deepEqual(page.events.filter((e) => e.type === 'purchase' || e.type === 'success').map((e) => e.type), ['purchase', 'success']);
    page.close();
  });

  test('no personal data: the event carries only the transaction, value, currency and items', async () => {
    // Even were the proxy's purchase to carry more, only the four GA4 members are reported.
    const page = await buy({ purchases: { order: () => ({ ...SALE, email: 'ada@example.com' }) as AnswerPurchase } });
    const [event] = purchases(page);
    assert.deepEqual(Object.keys(event.detail).sort(), ['currency', 'items', 'transaction_id', 'value']);
    assert.doesNotMatch(JSON.stringify(event.detail), /ada|Ada|Lovelace|Austin|4111/);
    page.close();
  });

  test('GA4 and Meta: {ecommerce: null}, then the purchase; fbq Purchase with eventID = transaction id; both before the page is left', async () => {
    const dataLayer: unknown[] = [];
    const fbqCalls: unknown[][] = [];
    let page!: Page;
    const navigatedAtCall: number[] = [];
    const globals = {
      dataLayer,
      fbq: (...args: unknown[]) => {
        navigatedAtCall.push(page.navigations.length);
        fbqCalls.push(args);
      },
    };
    page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) }, purchases: { order: () => SALE }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' }, globals });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const ecommerce = { ...SALE, currency: 'USD' };
    assert.deepEqual(dataLayer, [{ ecommerce: null }, { event: 'purchase', ecommerce }]);
    assert.deepEqual(fbqCalls, [
      ['track', 'Purchase', { value: 84.85, currency: 'USD', content_ids: ['2'], contents: [{ id: '2', quantity: 2 }], content_type: 'product' }, { eventID: 'ABCDE12345' }],
    ]);
    assert.deepEqual(navigatedAtCall, [0]);
    page.close();
  });

  test('several items: content_ids and contents list each one', async () => {
    const { fbqCalls, globals } = tags();
    const items = [
      { item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 },
      { item_id: '5', item_name: 'Toner', price: 12, quantity: 1 },
    ];
    const page = await buy({ globals, purchases: { order: () => ({ transaction_id: 'ABCDE12345', value: 96.85, items }) } });
    const [, , params] = fbqCalls[0] as [string, string, any];
    assert.deepEqual(params.content_ids, ['2', '5']);
    assert.deepEqual(params.contents, [{ id: '2', quantity: 2 }, { id: '5', quantity: 1 }]);
    assert.equal(params.value, 96.85);
    page.close();
  });

  test('the dataLayer copy is its own object: a tag editing it does not change the DOM event', async () => {
    const dataLayer: any[] = [];
    dataLayer.push = function (...entries: any[]) {
      for (const entry of entries) if (entry.ecommerce) entry.ecommerce.transaction_id = 'CHANGED';
      return Array.prototype.push.apply(this, entries);
    };
    const page = await buy({ globals: { dataLayer } });
    assert.equal(dataLayer[1].ecommerce.transaction_id, 'CHANGED');
    assert.equal(purchases(page)[0].detail.transaction_id, 'ABCDE12345');
    page.close();
  });

  test('only the tags present are told: fbq without dataLayer, dataLayer without fbq', async () => {
    const { fbqCalls, globals } = tags();
    const metaOnly = await buy({ globals: { fbq: globals.fbq } });
    assert.equal(fbqCalls.length, 1);
    assert.equal((metaOnly.win as any).dataLayer, undefined, 'no dataLayer is made up');
    metaOnly.close();
    const { dataLayer } = tags();
    const gaOnly = await buy({ globals: { dataLayer } });
    assert.equal(dataLayer.length, 2);
    assert.equal((gaOnly.win as any).fbq, undefined);
    gaOnly.close();
  });

  test('data-currency names the currency of the event, the dataLayer and fbq', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await buy({ globals }, tag('data-currency="EUR"'));
    assert.equal(purchases(page)[0].detail.currency, 'EUR');
    assert.equal((dataLayer[1] as any).ecommerce.currency, 'EUR');
    assert.equal((fbqCalls[0][2] as any).currency, 'EUR');
    page.close();
  });

  test('data-analytics="off": the DOM event fires, dataLayer and fbq get nothing', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await buy({ globals }, tag('data-analytics="off"'));
    assert.equal(purchases(page).length, 1);
    assert.deepEqual([dataLayer, fbqCalls], [[], []]);
    page.close();
  });

  test('a throwing fbq is logged with [kfunnel] and never stops the funnel', async () => {
    let page!: Page;
    const errors = await consoleErrors(async () => {
      page = await buy({ globals: { fbq: () => { throw new Error('pixel bug'); } } });
    });
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    assert.equal(page.events.filter((e) => e.type === 'success').length, 1);
    assert.ok(errors.some((args) => args[0] === '[kfunnel]' && /pixel bug/.test(String(args[1]))), 'logged');
    page.close();
  });

  test('a throwing dataLayer.push is logged with [kfunnel] and never stops the funnel', async () => {
    const dataLayer = { push: () => { throw new Error('gtm bug'); } };
    let page!: Page;
    const errors = await consoleErrors(async () => {
      page = await buy({ globals: { dataLayer } });
    });
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    assert.equal(page.cookie('kf_oid'), 'ABCDE12345');
    assert.ok(errors.some((args) => args[0] === '[kfunnel]' && /gtm bug/.test(String(args[1]))), 'logged');
    page.close();
  });

  test('an answer without `purchase` (a replay, or no sale) reports nothing', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await buy({ globals, purchases: {}, responseHeaders: { 'Idempotent-Replayed': 'true' } });
    assert.equal(page.events.find((e) => e.type === 'success')?.detail.replayed, true);
    assert.deepEqual([purchases(page), dataLayer, fbqCalls], [[], [], []]);
    page.close();
  });

  test('a checkout submitted twice: the answer that made the sale is reported once, the replay after it is not', async () => {
    const { fbqCalls, globals } = tags();
    const html = CHECKOUT.replace(' data-kf-next="/upsell1.html"', '');
    const page = await openPage(html, {
      answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) },
      // The proxy adds the purchase to the first answer only; the second is the same sale answered again.
      purchases: { order: (body, calls) => (calls.filter((c) => c.route === 'order').length === 1 ? SALE : undefined) },
      cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
      globals,
    });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.filter((e) => e.type === 'success').length === 1);
    page.submit();
    await waitFor(() => page.events.filter((e) => e.type === 'success').length === 2);
    assert.equal(purchases(page).length, 1);
    assert.equal(fbqCalls.length, 1);
    page.close();
  });

  test('no purchase for a lead, a decline or a MERC_REDIRECT', async () => {
    const lead = await openPage(`${SCRIPT}<form data-kf-form="lead" data-kf-next="/checkout.html"><input name="firstName"><input name="lastName"><input name="emailAddress"></form>`);
    lead.fill({ firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com' });
    lead.submit();
    await waitFor(() => lead.navigations.length > 0);
    const declined = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }) }, cookies: { kf_sid: SID } });
    declined.fill(GOOD_ORDER);
    declined.submit();
    await waitFor(() => declined.events.some((e) => e.type === 'error'));
    const redirect = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    redirect.fill(GOOD_ORDER);
    redirect.submit();
    await waitFor(() => redirect.navigations.length > 0);
    assert.equal([...lead.events, ...declined.events, ...redirect.events].filter((e) => e.type === 'purchase').length, 0);
    for (const page of [lead, declined, redirect]) page.close();
  });
});

describe('upsales and PayPal', () => {
  test("an accepted upsell: the proxy's <orderId>-U<n>, its own items and value, as event, dataLayer and fbq", async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await openPage(UPSELL, {
      url: 'https://shop.test/upsell1.html',
      answers: { upsale: () => ({ result: 'SUCCESS', message: { ...ORDER, totalAmount: 109.8 } }) },
      purchases: { upsale: () => UPSALE },
      cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
      globals,
    });
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    const detail = { ...UPSALE, currency: 'USD' };
    assert.deepEqual(purchases(page), [{ type: 'purchase', target: 'FORM', detail }]);
    assert.deepEqual(dataLayer, [{ ecommerce: null }, { event: 'purchase', ecommerce: detail }]);
    assert.deepEqual(fbqCalls, [['track', 'Purchase', { value: 24.95, currency: 'USD', content_ids: ['7'], contents: [{ id: '7', quantity: 1 }], content_type: 'product' }, { eventID: 'ABCDE12345-U1' }]]);
    assert.deepEqual(page.navigations, ['https://shop.test/upsell2.html']);
    page.close();
  });

  test('a declined upsell reports nothing', async () => {
    const { dataLayer, globals } = tags();
    const page = await openPage(UPSELL, { answers: { upsale: () => ({ result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }) }, purchases: { upsale: () => UPSALE }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' }, globals });
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    assert.deepEqual([purchases(page), dataLayer], [[], []]);
    page.close();
  });

  test('back from PayPal approved: the Confirm PayPal answer that made the sale is reported on the order form', async () => {
    const { fbqCalls, globals } = tags();
    const page = await openPage(CHECKOUT, {
      url: 'https://shop.test/checkout.html?token=EC-1&PayerID=P1',
      answers: { paypal: () => ({ result: 'SUCCESS', message: ORDER }) },
      purchases: { paypal: () => SALE },
      cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
      globals,
    });
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(purchases(page), [{ type: 'purchase', target: 'FORM', detail: { ...SALE, currency: 'USD' } }]);
    assert.deepEqual(fbqCalls[0][3], { eventID: 'ABCDE12345' });
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    page.close();
  });
});
