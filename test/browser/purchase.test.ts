import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor, type Answers } from '../helpers/page.js';

const SID = 'c'.repeat(32);
const ITEM = { productId: 2, name: 'Glow Serum', qty: 2, price: 79.9, shipping: 4.95 };
const UPSELL_ITEM = { productId: 7, name: 'Night Cream', qty: 1, price: 24.95, shipping: 0 };
const ORDER = { orderId: 'ABCDE12345', orderStatus: 'COMPLETE', totalAmount: 84.85, items: [ITEM], emailAddress: 'ada@example.com', firstName: 'Ada' };
const AFTER_UPSELL = { ...ORDER, totalAmount: 109.8, items: [ITEM, UPSELL_ITEM] };

const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}</form>`;
const UPSELL = `${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html"><input type="hidden" name="productId" value="7"><button>Yes</button></form>`;

/** window.dataLayer and window.fbq as GTM and the Meta pixel define them, recording every call. */
function tags() {
  const dataLayer: unknown[] = [];
  const fbqCalls: unknown[][] = [];
  return { dataLayer, fbqCalls, globals: { dataLayer, fbq: (...args: unknown[]) => fbqCalls.push(args) } };
}

async function buy(options: Parameters<typeof openPage>[1] = {}) {
  const page = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' }, ...options });
  page.fill(GOOD_ORDER);
  page.submit();
  await waitFor(() => page.navigations.length > 0);
  return page;
}

describe('kfunnel:purchase', () => {
  test('the order: one bubbling event on the form, GA4-shaped, no personal data', async () => {
    const page = await buy();
    const purchases = page.events.filter((e) => e.type === 'purchase');
    assert.deepEqual(purchases, [
      {
        type: 'purchase',
        target: 'FORM',
        detail: { transaction_id: 'ABCDE12345', value: 84.85, currency: 'USD', items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] },
      },
    ]);
    assert.doesNotMatch(JSON.stringify(purchases), /ada|Ada/);
    page.close();
  });

  test('GA4 and Meta: {ecommerce: null}, then the purchase; fbq Purchase with eventID = transaction id', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await buy({ globals });
    const ecommerce = { transaction_id: 'ABCDE12345', value: 84.85, currency: 'USD', items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] };
    assert.deepEqual(dataLayer, [{ ecommerce: null }, { event: 'purchase', ecommerce }]);
    assert.deepEqual(fbqCalls, [
      ['track', 'Purchase', { value: 84.85, currency: 'USD', content_ids: ['2'], contents: [{ id: '2', quantity: 2 }], content_type: 'product' }, { eventID: 'ABCDE12345' }],
    ]);
    page.close();
  });

  test('data-currency names the currency', async () => {
    const page = await openPage(CHECKOUT.replace('data-campaign-id', 'data-currency="EUR" data-campaign-id'), {
      answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) },
      cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
    });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'purchase'));
    assert.equal(page.events.find((e) => e.type === 'purchase')!.detail.currency, 'EUR');
    page.close();
  });

  test('data-analytics="off": the DOM event fires, dataLayer and fbq get nothing', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await openPage(CHECKOUT.replace('data-campaign-id', 'data-analytics="off" data-campaign-id'), {
      answers: { order: () => ({ result: 'SUCCESS', message: ORDER }) },
      cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
      globals,
    });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.equal(page.events.filter((e) => e.type === 'purchase').length, 1);
    assert.deepEqual([dataLayer, fbqCalls], [[], []]);
    page.close();
  });

  test('a throwing tag never breaks the funnel', async () => {
    const page = await buy({ globals: { fbq: () => { throw new Error('pixel bug'); } } });
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    page.close();
  });

  test('never twice for one order: not in a second tab, not after a reload, not for a replayed answer', async () => {
    const first = await buy();
    const ledger = Object.fromEntries(Object.entries(first.win.localStorage).filter(([k]) => k.startsWith('kf_')));
    assert.equal(first.events.filter((e) => e.type === 'purchase').length, 1);
    first.close();
    // Another tab (same localStorage, fresh sessionStorage), the same order answered again.
    const second = await buy({ local: Object.fromEntries(Object.entries(ledger).map(([k, v]) => [k, JSON.parse(v as string)])) });
    assert.equal(second.events.filter((e) => e.type === 'purchase').length, 0);
    second.close();
  });

  test('no purchase for a lead, a decline or a MERC_REDIRECT', async () => {
    const answers: Answers = { order: () => ({ result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' }) };
    const page = await openPage(CHECKOUT, { answers, cookies: { kf_sid: SID } });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.events.some((e) => e.type === 'error'));
    const redirect = await openPage(CHECKOUT, { answers: { order: () => ({ result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) }, cookies: { kf_sid: SID } });
    redirect.fill(GOOD_ORDER);
    redirect.submit();
    await waitFor(() => redirect.navigations.length > 0);
    assert.equal([...page.events, ...redirect.events].filter((e) => e.type === 'purchase').length, 0);
    page.close();
    redirect.close();
  });
});

describe('upsells', () => {
  const upsell = (answer: unknown, options: Parameters<typeof openPage>[1] = {}) =>
    openPage(UPSELL, { url: 'https://shop.test/upsell1.html', answers: { upsale: () => ({ result: 'SUCCESS', message: answer }) }, cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' }, ...options });
  const accept = async (page: Awaited<ReturnType<typeof openPage>>) => {
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    return page.events.filter((e) => e.type === 'purchase').map((e) => e.detail);
  };

  test('each accepted upsell is <orderId>-U<n>, with only its own items and value', async () => {
    const { dataLayer, fbqCalls, globals } = tags();
    const page = await upsell(AFTER_UPSELL, { storage: { kf_last: ORDER }, local: { kf_purchases_ABCDE12345: ['order'] }, globals });
    const detail = { transaction_id: 'ABCDE12345-U1', value: 24.95, currency: 'USD', items: [{ item_id: '7', item_name: 'Night Cream', price: 24.95, quantity: 1 }] };
    assert.deepEqual(await accept(page), [detail]);
    assert.deepEqual(dataLayer, [{ ecommerce: null }, { event: 'purchase', ecommerce: detail }]);
    assert.deepEqual(fbqCalls[0][3], { eventID: 'ABCDE12345-U1' });
    page.close();
    // The second upsell, on the next page (kf_last now holds the order after the first).
    const third = { productId: 9, name: 'Eye Gel', qty: 1, price: 19.95, shipping: 0 };
    const next = await upsell({ ...AFTER_UPSELL, totalAmount: 129.75, items: [ITEM, UPSELL_ITEM, third] }, {
      storage: { kf_last: AFTER_UPSELL },
      local: { kf_purchases_ABCDE12345: JSON.parse(page.win.localStorage.getItem('kf_purchases_ABCDE12345')!) },
    });
    assert.deepEqual((await accept(next)).map((d) => [d.transaction_id, d.value, d.items.map((i: any) => i.item_id)]), [['ABCDE12345-U2', 19.95, ['9']]]);
    next.close();
  });

  test('the same upsell answer replayed (a resend, another tab, a reload) is not counted again', async () => {
    const local = { kf_purchases_ABCDE12345: ['order'] };
    const page = await upsell(AFTER_UPSELL, { storage: { kf_last: ORDER }, local });
    assert.equal((await accept(page)).length, 1);
    const ledger = JSON.parse(page.win.localStorage.getItem('kf_purchases_ABCDE12345')!);
    page.close();
    const again = await upsell(AFTER_UPSELL, { storage: { kf_last: ORDER }, local: { kf_purchases_ABCDE12345: ledger } });
    assert.deepEqual(await accept(again), []);
    again.close();
  });

  test("without this tab's view of the order, the upsell is the line Konnektive appended last", async () => {
    const page = await upsell(AFTER_UPSELL);
    assert.deepEqual((await accept(page)).map((d) => [d.transaction_id, d.value, d.items.map((i: any) => i.item_id)]), [['ABCDE12345-U1', 24.95, ['7']]]);
    page.close();
  });
});
