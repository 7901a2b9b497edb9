import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox, DEMO_CAMPAIGN, type Campaign } from '../src/sandbox/index.js';
import { PREPAID_TYPES } from '../src/shared/konnektive.js';

const ORIGIN = 'http://127.0.0.1:9100';
const AUTH = { loginId: 'sandbox', password: 'sandbox' };
const CUSTOMER = { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', address1: '1 Analytical Way', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };
const CARD = { cardNumber: '4111111111111111', cardMonth: '12', cardYear: String(new Date().getFullYear() + 2), cardSecurityCode: '123' };
const RETURNS = { redirectsTo: 'https://shop.test/kfunnel/return/s/tok', errorRedirectsTo: 'https://shop.test/kfunnel/return/e/tok' };

type Sandbox = ReturnType<typeof createSandbox>;

async function call(sandbox: Sandbox, path: string, params: Record<string, string>) {
  const response = await sandbox.fetch(new Request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams({ ...AUTH, ...params }) }));
  return (await response.json()) as { result: string; message: any };
}

const order = (sandbox: Sandbox, params: Record<string, string>) => call(sandbox, '/order/import/', { campaignId: '3', product1_id: '1', ...CUSTOMER, ...params });
const query = async (sandbox: Sandbox, orderId: string) => (await call(sandbox, '/order/query/', { orderId })).message.data[0];
const post = (sandbox: Sandbox, url: string) => sandbox.fetch(new Request(url, { method: 'POST' }));
const tokenOf = (url: string) => url.match(/\/_sandbox\/pay\/([0-9a-f]{24})$/)?.[1] as string;

describe('sandbox: paySource=PREPAID with prepaidType', () => {
  for (const prepaidType of PREPAID_TYPES) {
    test(`${prepaidType}: MERC_REDIRECT to its stand-in page, no card fields needed`, async () => {
      const sandbox = createSandbox(AUTH);
      const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType, ...RETURNS });
      assert.equal(answer.result, 'MERC_REDIRECT', JSON.stringify(answer));
      assert.match(answer.message.url, /^http:\/\/127\.0\.0\.1:9100\/_sandbox\/pay\/[0-9a-f]{24}$/);
      const page = await (await sandbox.fetch(new Request(answer.message.url))).text();
      assert.ok(page.includes(`Pay with ${prepaidType}`), 'the page names the method');
      assert.ok(page.includes('$45.90'), 'and what is charged: $39.95 + $5.95 shipping');
    });
  }

  test('approve: the page POSTs finalizeTransaction and the COMPLETE order to redirectsTo; Query Order reports it faithfully', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'KLARNA', ...RETURNS });
    const token = tokenOf(answer.message.url);
    const pending = sandbox.state().orders[0];
    assert.equal(pending.orderStatus, 'PENDING');
    assert.equal((await query(sandbox, pending.orderId)).amountPaid, 0, 'nothing paid while the shopper is on the provider page');

    const finalize = await post(sandbox, `${ORIGIN}/_sandbox/pay/${token}/approve`);
    assert.equal(finalize.status, 200);
    const html = await finalize.text();
    assert.ok(html.includes(`action="${RETURNS.redirectsTo}"`));
    assert.ok(html.includes('name="finalizeTransaction" value="1"'));
    const orderData = JSON.parse(html.match(/name="orderData" value="([^"]*)"/)![1].replace(/&#34;/g, '"').replace(/&#39;/g, "'").replace(/&#38;/g, '&'));
    assert.equal(orderData.orderStatus, 'COMPLETE');

    const found = await query(sandbox, pending.orderId);
    assert.equal(found.orderStatus, 'COMPLETE');
    assert.equal(found.paySource, 'PREPAID');
    assert.equal(found.prepaidType, 'KLARNA');
    assert.equal(found.totalAmount, 45.9);
    assert.equal(found.amountPaid, 45.9);
    assert.equal(found.cardLast4, undefined);
    assert.deepEqual(sandbox.state().orders[0].transactions.map((t: any) => [t.type, t.status]), [['SALE', 'APPROVED']]);
    assert.equal((await post(sandbox, `${ORIGIN}/_sandbox/pay/${token}/approve`)).status, 409, 'a used payment page cannot pay again');
  });

  test("a payment page's token does not work on the 3-D Secure page", async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'EPS', ...RETURNS });
    const token = tokenOf(answer.message.url);
    assert.equal((await post(sandbox, `${ORIGIN}/_sandbox/3ds/${token}/approve`)).status, 404);
    assert.equal(sandbox.state().orders[0].orderStatus, 'PENDING');
  });

  test('cancel: back to errorRedirectsTo with errorMsg; the order is DECLINED and Query Order says so', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'IDEAL', ...RETURNS });
    const back = await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(answer.message.url)}/cancel`);
    assert.equal(back.status, 303);
    assert.equal(back.headers.get('location'), `${RETURNS.errorRedirectsTo}?errorMsg=IDEAL%20payment%20was%20cancelled.`);
    const found = await query(sandbox, sandbox.state().orders[0].orderId);
    assert.equal(found.orderStatus, 'DECLINED');
    assert.equal(found.amountPaid, 0);
  });

  const refusals: Array<[string, Record<string, string>, RegExp]> = [
    ['no prepaidType', { paySource: 'PREPAID', ...RETURNS }, /Invalid prepaidType/],
    ['an unknown prepaidType', { paySource: 'PREPAID', prepaidType: 'BITCOIN', ...RETURNS }, /Invalid prepaidType BITCOIN: expected one of KLARNA/],
    ['no return URLs', { paySource: 'PREPAID', prepaidType: 'KLARNA' }, /requires redirectsTo and errorRedirectsTo/],
    ['an unknown paySource', { paySource: 'CHECK' }, /paySource CHECK is not supported/],
  ];
  for (const [name, params, message] of refusals) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const answer = await order(sandbox, params);
      assert.equal(answer.result, 'ERROR');
      assert.match(answer.message, message);
    });
  }

  test('upsales: PREPAID on a card order redirects; an upsale of a PREPAID order redirects again with its method', async () => {
    const sandbox = createSandbox(AUTH);
    const paid = await order(sandbox, { ...CARD });
    assert.equal(paid.result, 'SUCCESS');
    const upsale = await call(sandbox, '/upsale/import/', { orderId: paid.message.orderId, productId: '10', paySource: 'PREPAID', prepaidType: 'TWINT', ...RETURNS });
    assert.equal(upsale.result, 'MERC_REDIRECT');
    assert.match(await (await sandbox.fetch(new Request(upsale.message.url))).text(), /Pay with TWINT[\s\S]*\$24\.95|\$24\.95[\s\S]*Pay with TWINT/);
    await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(upsale.message.url)}/approve`);
    assert.deepEqual((await query(sandbox, paid.message.orderId)).items.map((i: any) => i.productId), [1, 10]);

    const klarna = await order(sandbox, { paySource: 'PREPAID', prepaidType: 'KLARNA', ...RETURNS });
    await post(sandbox, `${ORIGIN}/_sandbox/pay/${tokenOf(klarna.message.url)}/approve`);
    const orderId = sandbox.state().orders[0].orderId;
    const again = await call(sandbox, '/upsale/import/', { orderId, productId: '20', ...RETURNS });
    assert.equal(again.result, 'MERC_REDIRECT');
    assert.match(await (await sandbox.fetch(new Request(again.message.url))).text(), /Pay with KLARNA/);
    const card = await call(sandbox, '/upsale/import/', { orderId, productId: '20', paySource: 'CREDITCARD' });
    assert.match(card.message, /cannot be used on Import Upsale/);
  });
});

describe('sandbox: external 3-D Secure results on Import Order', () => {
  test('cavv and eci from the merchant\'s own provider: the 3-D Secure card completes with no challenge, nor for its upsales', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { ...CARD, cardNumber: '4000000000003220', cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAA=', eci: '05', xid: 'MDAwMDAwMDAwMDAwMDAwMDAwMDE=', rebill_cavv: 'AAABBJg0VhI0VniQEjRWAAAAAAB=', rebill_eci: '07', ...RETURNS });
    assert.equal(answer.result, 'SUCCESS', JSON.stringify(answer));
    assert.equal(answer.message.orderStatus, 'COMPLETE');
    const recorded = sandbox.state().orders[0];
    assert.deepEqual(recorded.transactions.map((t: any) => [t.status, t.threeDs, t.eci]), [['APPROVED', 'external', '05']]);
    assert.ok(!JSON.stringify(sandbox.state()).includes('AAABBJg0'), 'the cryptogram is not kept');
    const upsale = await call(sandbox, '/upsale/import/', { orderId: recorded.orderId, productId: '10', ...RETURNS });
    assert.equal(upsale.result, 'SUCCESS');
  });

  test('without them the same card is challenged', async () => {
    const sandbox = createSandbox(AUTH);
    assert.equal((await order(sandbox, { ...CARD, cardNumber: '4000000000003220', ...RETURNS })).result, 'MERC_REDIRECT');
  });

  test('a declining card still declines with them', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await order(sandbox, { ...CARD, cardNumber: '4000000000000002', cavv: 'AAAB', eci: '05' });
    assert.equal(answer.message, 'Transaction Declined: Insufficient Funds');
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    ['cavv without eci', { cavv: 'AAAB' }, /needs both cavv and eci/],
    ['eci without cavv', { eci: '05' }, /needs both cavv and eci/],
    ['a malformed eci', { cavv: 'AAAB', eci: 'five' }, /eci must be a 2-digit/],
    ['a malformed rebill_eci', { cavv: 'AAAB', eci: '05', rebill_eci: '123' }, /rebill_eci must be a 2-digit/],
  ];
  for (const [name, params, message] of bad) {
    test(`refuses ${name}`, async () => {
      const answer = await order(createSandbox(AUTH), { ...CARD, ...params });
      assert.equal(answer.result, 'ERROR');
      assert.match(answer.message, message);
    });
  }
});

describe('sandbox: paypalClientMetadataId', () => {
  test('recorded from Import Order, or from Confirm PayPal when sent there', async () => {
    for (const where of ['order', 'confirm'] as const) {
      const sandbox = createSandbox(AUTH);
      const metadata = { paypalClientMetadataId: `cmid-${where}-0123456789abcdef` };
      const answer = await order(sandbox, { paySource: 'PAYPAL', salesUrl: 'https://shop.test/checkout.html', ...RETURNS, ...(where === 'order' ? metadata : {}) });
      const token = new URL(answer.message.url).searchParams.get('token') as string;
      await post(sandbox, `${ORIGIN}/_sandbox/paypal/${token}/approve`);
      const confirmed = await call(sandbox, '/transactions/confirmPaypal/', { token, payerId: 'P1', ...(where === 'confirm' ? metadata : {}) });
      assert.equal(confirmed.result, 'SUCCESS');
      assert.equal(sandbox.state().orders[0].transactions[0].paypalClientMetadataId, metadata.paypalClientMetadataId, where);
    }
  });
});

describe('sandbox: test pixels in Import Click', () => {
  const click = (sandbox: Sandbox, params: Record<string, string>) =>
    call(sandbox, '/landers/clicks/import/', { campaignId: '3', requestUri: 'https://shop.test/checkout.html', ...params });

  test('a checkout click with fraudPixel=1 gets an <img> and a <script>; each records its hit in /_sandbox/state', async () => {
    const sandbox = createSandbox(AUTH);
    const answer = await click(sandbox, { pageType: 'checkoutPage', fraudPixel: '1' });
    const sessionId = answer.message.sessionId;
    const base = `${ORIGIN}/_sandbox/pixel/${sessionId}/fraud`;
    assert.equal(answer.message.pixel, `<img src="${base}.gif?pageType=checkoutPage" width="1" height="1" alt=""><script src="${base}.js?pageType=checkoutPage" async></script>`);
    assert.deepEqual(sandbox.state().pixels, []);

    const image = await sandbox.fetch(new Request(`${base}.gif?pageType=checkoutPage`));
    assert.equal(image.headers.get('content-type'), 'image/gif');
    assert.equal((await image.arrayBuffer()).byteLength, 42);
    const script = await sandbox.fetch(new Request(`${base}.js?pageType=checkoutPage`));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.deepEqual(
      sandbox.state().pixels.map((p: any) => [p.sessionId, p.pixel, p.element, p.pageType]),
      [[sessionId, 'fraud', 'script', 'checkoutPage'], [sessionId, 'fraud', 'img', 'checkoutPage']],
    );
    assert.match(await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/live`))).text(), /pixels fired: <code>fraud script on checkoutPage<\/code>/);
  });

  test('no pixel without fraudPixel, nor for fraudPixel on another page', async () => {
    const sandbox = createSandbox({ ...AUTH, campaigns: [{ ...DEMO_CAMPAIGN, pixel: undefined }] });
    assert.equal((await click(sandbox, { pageType: 'checkoutPage' })).message.pixel, undefined);
    assert.equal((await click(sandbox, { pageType: 'leadPage', fraudPixel: '1' })).message.pixel, undefined);
  });

  test("a campaign configured with a pixel gets the affiliate pixel on its page types only (the demo's: thankyouPage)", async () => {
    const sandbox = createSandbox(AUTH);
    const first = await click(sandbox, { pageType: 'presellPage' });
    assert.equal(first.message.pixel, undefined);
    const sessionId = first.message.sessionId;
    const thanks = await call(sandbox, '/landers/clicks/import/', { pageType: 'thankyouPage', sessionId });
    assert.match(thanks.message.pixel, new RegExp(`/_sandbox/pixel/${sessionId}/affiliate\\.gif\\?pageType=thankyouPage`));
    assert.match(thanks.message.pixel, /<script src="[^"]+affiliate\.js\?pageType=thankyouPage" async><\/script>/);
    const custom: Campaign = { ...DEMO_CAMPAIGN, campaignId: 9, pixel: { pageTypes: ['leadPage'] } };
    const other = createSandbox({ ...AUTH, campaigns: [custom] });
    assert.match((await call(other, '/landers/clicks/import/', { campaignId: '9', pageType: 'leadPage', requestUri: 'https://shop.test/' })).message.pixel, /affiliate\.gif/);
  });

  test("pages: 'shop' makes pixel URLs page-relative and redirects follow the shop's return URLs; a fixed URL is used as given", async () => {
    const shop = createSandbox({ ...AUTH, pages: 'shop' });
    const answer = await click(shop, { pageType: 'checkoutPage', fraudPixel: '1' });
    assert.match(answer.message.pixel, /^<img src="\/_sandbox\/pixel\//);
    const redirect = await order(shop, { ...CARD, cardNumber: '4000000000003220', ...RETURNS });
    assert.match(redirect.message.url, /^https:\/\/shop\.test\/_sandbox\/3ds\/[0-9a-f]{24}$/);
    const paypal = await order(shop, { paySource: 'PAYPAL', salesUrl: 'http://192.168.1.20:8080/checkout.html', redirectsTo: 'http://192.168.1.20:8080/kfunnel/return/s/t', errorRedirectsTo: 'http://192.168.1.20:8080/kfunnel/return/e/t' });
    assert.match(paypal.message.url, /^http:\/\/192\.168\.1\.20:8080\/_sandbox\/paypal\/checkoutnow\?token=EC-/);

    const fixed = createSandbox({ ...AUTH, pages: 'https://sandbox.example.com/' });
    assert.match((await order(fixed, { paySource: 'PREPAID', prepaidType: 'BLIK', ...RETURNS })).message.url, /^https:\/\/sandbox\.example\.com\/_sandbox\/pay\//);
  });

  test('loadCampaignFile refuses a pixel with unknown page types', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadCampaignFile } = await import('../src/sandbox/index.js');
    const file = join(mkdtempSync(join(tmpdir(), 'kf-campaign-')), 'c.json');
    writeFileSync(file, JSON.stringify({ campaignId: 5, products: [{ campaignProductId: 1, price: 1 }], pixel: { pageTypes: ['thanks'] } }));
    assert.throws(() => loadCampaignFile(file), /pixel\.pageTypes must be an array of Konnektive page types/);
    writeFileSync(file, JSON.stringify({ campaignId: 5, products: [{ campaignProductId: 1, price: 1 }], pixel: { pageTypes: ['thankyouPage'] } }));
    assert.deepEqual(loadCampaignFile(file)[0].pixel, { pageTypes: ['thankyouPage'] });
  });
});

describe('sandbox: inspector pages', () => {
  test('the inspector updates itself from /_sandbox/live (no meta refresh), has a favicon, and ?refresh=0 stops it', async () => {
    const sandbox = createSandbox(AUTH);
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox`))).text();
    assert.ok(!html.includes('http-equiv="refresh"'));
    assert.ok(html.includes('<link rel="icon" href="data:,">'));
    assert.ok(html.includes('<main id="live" data-refresh="on">'));
    assert.ok((await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox?refresh=0`))).text()).includes('data-refresh="off"'));
    const script = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/inspector.js`));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await script.text(), /fetch\('\/_sandbox\/live'/);
    await call(sandbox, '/landers/clicks/import/', { campaignId: '3', pageType: 'presellPage', requestUri: 'https://shop.test/?affId=LIVE1' });
    const live = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/live`))).text();
    assert.ok(live.includes('affId=LIVE1'));
    assert.ok(!live.includes('<html'), 'only the live part');
  });
});
