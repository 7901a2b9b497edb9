import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitArrival } from '../../src/browser/returns.js';
import { CHECKOUT_FIELDS, openPage, SCRIPT, waitFor } from '../helpers/page.js';

/** [URL as it arrives, the address bar after, the arrival values found]. Every byte not ours stays. */
const ARRIVALS: Array<[string, string, Record<string, string>]> = [
  ['https://s.test/p?gclid&affId=AbC', 'https://s.test/p?gclid&affId=AbC', {}],
  ['https://s.test/p?c1=Fb+Ads&c2=a%2Bb&c3=a%20b', 'https://s.test/p?c1=Fb+Ads&c2=a%2Bb&c3=a%20b', {}],
  ['https://s.test/p?sessionId=S1&c1=caf%E9', 'https://s.test/p?c1=caf%E9', { sessionId: 'S1' }],
  ['https://s.test/p?a=1&kf_h=g%2B1&b=%E9;c=2&c=', 'https://s.test/p?a=1&b=%E9;c=2&c=', { kf_h: 'g+1' }],
  ['https://s.test/p?a=&errorMsg=Card+not+enrolled', 'https://s.test/p?a=', { errorMsg: 'Card not enrolled' }],
  ['https://s.test/p?sessionId=S1', 'https://s.test/p', { sessionId: 'S1' }],
  ['https://s.test/p?sessionId=S1#top', 'https://s.test/p#top', { sessionId: 'S1' }],
  ['https://s.test/p?x=1&token=EC-1&PayerID=P&paypalAccept&y#h?token=2', 'https://s.test/p?x=1&y#h?token=2', { token: 'EC-1', PayerID: 'P', paypalAccept: '' }],
  ['https://s.test/p?affId=A&sessionId=S1&affId=B&sessionId=S2', 'https://s.test/p?affId=A&affId=B', { sessionId: 'S1' }],
  ['https://s.test/p?errorMsg=50%', 'https://s.test/p', { errorMsg: '50%' }],
  ['https://s.test/p?SessionId=S1&sessionid=S2', 'https://s.test/p?SessionId=S1&sessionid=S2', {}],
  ['https://s.test/p', 'https://s.test/p', {}],
  ['https://s.test/p?', 'https://s.test/p?', {}],
];

for (const [arriving, after, found] of ARRIVALS) {
  test(`arrival parameters leave textually: ${arriving}`, () => {
    assert.deepEqual(splitArrival(arriving), { url: after, found });
  });
}

test('arriving with only foreign parameters, the address bar is not rewritten at all', async () => {
  const page = await openPage(`${SCRIPT}<p></p>`, { url: 'https://shop.test/p?c1=Fb+Ads&x', boot: false });
  let rewrites = 0;
  const replaceState = page.win.history.replaceState.bind(page.win.history);
  page.win.history.replaceState = (...args: Parameters<typeof replaceState>) => (rewrites++, replaceState(...args));
  page.start();
  await page.ready();
  assert.equal(rewrites, 0);
  assert.equal(page.win.location.href, 'https://shop.test/p?c1=Fb+Ads&x');
  page.close();
});

const SID = 'c'.repeat(32);
const CHECKOUT = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}</form>`;

test('a failed 3-D Secure (errorMsg) is shown on the checkout, then leaves the address bar', async () => {
  const page = await openPage(CHECKOUT, { url: 'https://shop.test/checkout.html?affId=A1&errorMsg=Card+not+enrolled', cookies: { kf_sid: SID } });
  assert.equal(page.doc.querySelector('[data-kf-errors]')!.textContent, 'Your payment could not be verified: Card not enrolled');
  assert.equal(page.win.location.href, 'https://shop.test/checkout.html?affId=A1');
  const error = page.events.find((e) => e.type === 'error')!;
  assert.equal(error.detail.code, 'payment_failed');
  assert.equal(error.target, 'FORM');
  page.close();
});

test('back from PayPal: Confirm PayPal with token, payerId and the ids (the proxy adds the products), then data-kf-next', async () => {
  const page = await openPage(CHECKOUT, {
    url: 'https://shop.test/checkout.html?affId=A1&paypalAccept=1&token=EC-ABC123&PayerID=PAYER9',
    cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
  });
  await waitFor(() => page.navigations.length > 0);
  const confirm = page.to('paypal')[0];
  assert.deepEqual(confirm.body, { campaignId: '3', sessionId: SID, orderId: 'ABCDE12345', token: 'EC-ABC123', payerId: 'PAYER9' });
  assert.match(confirm.key as string, /^[0-9a-f]{32}$/);
  assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
  assert.equal(page.win.location.href, 'https://shop.test/checkout.html?affId=A1');
  assert.equal(page.events.find((e) => e.type === 'success')!.detail.action, 'paypal');
  page.close();
});

test('a PayPal confirmation Konnektive refuses is shown, and the form is usable again', async () => {
  const page = await openPage(CHECKOUT, {
    url: 'https://shop.test/checkout.html?token=EC-1&PayerID=P1',
    cookies: { kf_sid: SID, kf_oid: 'ABCDE12345' },
    answers: { paypal: () => ({ result: 'ERROR', message: 'This PayPal token has already been used' }) },
  });
  await waitFor(() => page.events.some((e) => e.type === 'error'));
  assert.match(page.doc.querySelector('[data-kf-errors]')!.textContent as string, /already been used/);
  assert.equal(page.doc.querySelector('form')!.getAttribute('aria-busy'), null);
  assert.deepEqual(page.navigations, []);
  page.close();
});

test('a page with no return parameters makes no return call', async () => {
  const page = await openPage(CHECKOUT);
  assert.deepEqual(page.calls.map((c) => c.route), ['click']);
  page.close();
});
