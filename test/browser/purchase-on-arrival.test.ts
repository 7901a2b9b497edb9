import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, SCRIPT } from '../helpers/page.js';

const PURCHASE = { transaction_id: 'ABCDE12345', value: 84.85, items: [{ item_id: '2', item_name: 'Glow Serum', price: 39.95, quantity: 2 }] };
const UPSELL = `${SCRIPT}<form data-kf-form="upsale" data-kf-next="/upsell2.html"><input type="hidden" name="productId" value="7"><button>Yes</button></form>`;

test("a sale completed on the return leg arrives with the next page's click answer: one kfunnel:purchase on the document, dataLayer and fbq", async () => {
  const dataLayer: unknown[] = [];
  const fbqCalls: unknown[][] = [];
  const page = await openPage(UPSELL, {
    answers: { click: (body) => ({ result: 'SUCCESS', message: { sessionId: body.sessionId ?? 'c'.repeat(32) }, purchase: PURCHASE }) as never },
    globals: { dataLayer, fbq: (...args: unknown[]) => fbqCalls.push(args) },
  });
  const purchases = page.events.filter((e) => e.type === 'purchase');
  assert.deepEqual(purchases, [{ type: 'purchase', target: '#document', detail: { ...PURCHASE, currency: 'USD' } }]);
  assert.deepEqual(dataLayer, [{ ecommerce: null }, { event: 'purchase', ecommerce: { ...PURCHASE, currency: 'USD' } }]);
  assert.deepEqual(fbqCalls, [['track', 'Purchase', { value: 84.85, currency: 'USD', content_ids: ['2'], contents: [{ id: '2', quantity: 2 }], content_type: 'product' }, { eventID: 'ABCDE12345' }]]);
  page.close();
});

test('a click answer without a purchase reports nothing', async () => {
  const dataLayer: unknown[] = [];
  const page = await openPage(UPSELL, { globals: { dataLayer } });
  assert.equal(page.events.filter((e) => e.type === 'purchase').length, 0);
  assert.deepEqual(dataLayer, []);
  page.close();
});
