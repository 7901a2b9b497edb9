import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, SCRIPT, waitFor } from '../helpers/page.js';

const THANKYOU = `${SCRIPT}<body data-kf-page="thankyou" data-kf-confirm>
  <p>Order <b data-kf-text="orderId">...</b> for <span data-kf-text="firstName"></span>:
  <span data-kf-text="currencySymbol"></span><span data-kf-text="totalAmount"></span>
  <i data-kf-text="items">items stay</i> <i data-kf-text="nothing">kept</i></p></body>`;
const LAST = { orderId: 'ABCDE12345', firstName: 'Ada', totalAmount: 114.8, currencySymbol: '$', items: [{ productId: 2 }] };

test('data-kf-text is filled from the last result in sessionStorage; money with two decimals', async () => {
  const page = await openPage(THANKYOU, { cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'ABCDE12345' }, storage: { kf_last: LAST } });
  const text = (key: string) => page.doc.querySelector(`[data-kf-text=${key}]`)!.textContent;
  assert.equal(text('orderId'), 'ABCDE12345');
  assert.equal(text('firstName'), 'Ada');
  assert.equal(text('totalAmount'), '114.80');
  assert.equal(text('currencySymbol'), '$');
  assert.equal(text('items'), 'items stay', 'objects are not written');
  assert.equal(text('nothing'), 'kept', 'missing keys leave the text');
  page.close();
});

test('Confirm Order once per order, after the click; then the order cookie is cleared', async () => {
  const page = await openPage(THANKYOU, { cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'ABCDE12345' }, storage: { kf_last: LAST } });
  assert.deepEqual(page.calls.map((c) => c.route), ['click', 'confirm']);
  assert.deepEqual(page.to('confirm')[0].body, { orderId: 'ABCDE12345' });
  assert.equal(page.to('confirm')[0].key, 'confirm-ABCDE12345');
  assert.equal(page.cookie('kf_oid'), undefined);
  assert.equal(page.cookie('kf_sid'), 'c'.repeat(32), 'the session goes on');
  const reload = await openPage(THANKYOU, { cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'ABCDE12345' }, storage: { kf_last: LAST, kf_confirmed: 'ABCDE12345' } });
  assert.equal(reload.to('confirm').length, 0, 'not twice for the same order');
  page.close();
  reload.close();
});

test('without data-kf-confirm: no Confirm Order, the cookie is still cleared', async () => {
  const page = await openPage(THANKYOU.replace(' data-kf-confirm', ''), { cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'ABCDE12345' } });
  assert.equal(page.to('confirm').length, 0);
  assert.equal(page.cookie('kf_oid'), undefined);
  page.close();
});

test('a confirmation that could not be sent keeps the order for a reload to try again', async () => {
  const page = await openPage(THANKYOU, {
    cookies: { kf_sid: 'c'.repeat(32), kf_oid: 'ABCDE12345' },
    answers: { confirm: () => ({ status: 502, body: { result: 'ERROR', message: 'x', code: 'upstream_unreachable' } }) },
  });
  await waitFor(() => page.events.some((e) => e.type === 'error'));
  assert.equal(page.cookie('kf_oid'), 'ABCDE12345');
  page.close();
});
