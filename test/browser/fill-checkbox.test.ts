import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor } from '../helpers/page.js';

const HTML = `${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}<input type="checkbox" name="custom2" value="yes"></form>`;

test('a checkbox the visitor unchecked before paying comes back unchecked after a failed 3-D Secure', async () => {
  let n = 0;
  // First try declined (the page stays); the visitor unchecks the box and pays again; 3-D Secure then fails.
  const page = await openPage(HTML, { answers: { order: () => (++n === 1 ? { result: 'ERROR', message: 'Transaction Declined: Do Not Honor' } : { result: 'MERC_REDIRECT', message: { url: 'https://bank.test/3ds' } }) } });
  page.fill(GOOD_ORDER);
  (page.doc.querySelector('[name=custom2]') as any).checked = true;
  page.submit();
  await waitFor(() => page.events.some((e) => e.type === 'error'));
  (page.doc.querySelector('[name=custom2]') as any).checked = false;
  page.submit();
  await waitFor(() => page.navigations.length > 0);
  assert.equal(page.to('order')[1].body.custom2, undefined, 'the last submit sent it unchecked');
  const saved = page.stored('kf_form');
  page.close();
  const back = await openPage(HTML, { url: 'https://shop.test/checkout.html?errorMsg=Authentication+failed', storage: { kf_form: saved } });
  assert.equal((back.doc.querySelector('[name=custom2]') as any).checked, false, 'restored as last submitted');
  back.close();
});
