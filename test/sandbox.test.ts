import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox, DEMO_CAMPAIGN, TEST_CARDS } from '../src/sandbox/index.js';
import { parseAffVals } from '../src/sandbox/api/index.js';
import { cardBrand, cardNumberValid } from '../src/shared/cards.js';

const ORIGIN = 'http://127.0.0.1:9100';
const AUTH = { loginId: 'sandbox', password: 'sandbox' };

type Sandbox = ReturnType<typeof createSandbox>;

async function call(sandbox: Sandbox, path: string, params: Record<string, string>, init: { method?: string; auth?: boolean } = {}) {
  const body = new URLSearchParams({ ...(init.auth === false ? {} : AUTH), ...params });
  const request =
    init.method === 'GET'
      ? new Request(`${ORIGIN}${path}?${body}`)
      : new Request(`${ORIGIN}${path}`, { method: 'POST', body });
  const response = await sandbox.fetch(request);
  return { status: response.status, json: (await response.json()) as { result: string; message: any } };
}

const CUSTOMER = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailAddress: 'ada@example.com',
  phoneNumber: '5125550100',
  address1: '1 Analytical Way',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  country: 'US',
};
const CARD = { cardNumber: '4111111111111111', cardMonth: '12', cardYear: String(new Date().getFullYear() + 2), cardSecurityCode: '123' };
const RETURNS = { redirectsTo: 'https://shop.test/upsell1.html', errorRedirectsTo: 'https://shop.test/checkout.html' };

async function session(sandbox: Sandbox) {
  const { json } = await call(sandbox, '/landers/clicks/import/', {
    pageType: 'presellPage',
    campaignId: '3',
    requestUri: 'https://shop.test/?affId=AbC1&c1=FaceBook&c2=a%26b',
    userAgent: 'test-agent',
  });
  return json.message.sessionId as string;
}

async function lead(sandbox: Sandbox, sessionId?: string) {
  const { json } = await call(sandbox, '/leads/import/', { campaignId: '3', ...(sessionId ? { sessionId } : {}), ...CUSTOMER });
  assert.equal(json.result, 'SUCCESS', JSON.stringify(json));
  return json.message.orderId as string;
}

async function completeOrder(sandbox: Sandbox, card = CARD.cardNumber) {
  const sessionId = await session(sandbox);
  const orderId = await lead(sandbox, sessionId);
  const { json } = await call(sandbox, '/order/import/', {
    campaignId: '3',
    sessionId,
    orderId,
    product1_id: '2',
    product1_qty: '1',
    ...CARD,
    cardNumber: card,
    ...RETURNS,
  });
  return { sessionId, orderId, json };
}

describe('sandbox: transport', () => {
  const shapes: Array<[string, (s: Sandbox) => Promise<{ result: string }>]> = [
    ['POST urlencoded with trailing slash', async (s) => (await call(s, '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' })).json],
    ['POST urlencoded without trailing slash', async (s) => (await call(s, '/landers/clicks/import', { pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' })).json],
    ['GET query string', async (s) => (await call(s, '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' }, { method: 'GET' })).json],
    [
      'POST multipart/form-data',
      async (s) => {
        const form = new FormData();
        for (const [k, v] of Object.entries({ ...AUTH, pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' })) form.append(k, v);
        return (await s.fetch(new Request(`${ORIGIN}/landers/clicks/import/`, { method: 'POST', body: form }))).json();
      },
    ],
  ];
  for (const [name, run] of shapes) {
    test(`accepts ${name}`, async () => {
      assert.equal((await run(createSandbox(AUTH))).result, 'SUCCESS');
    });
  }

  const bad: Array<[string, () => Request, number, RegExp]> = [
    ['an unknown path', () => new Request(`${ORIGIN}/nope/`, { method: 'POST' }), 404, /Unknown API path/],
    ['a body over 1 MB', () => new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: 'a='.padEnd(1024 * 1024 + 10, 'x'), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 413, /larger than 1 MB/],
    ['a JSON body', () => new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }), 200, /Unsupported Content-Type/],
    ['a malformed multipart body', () => new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: '--x\r\nbroken', headers: { 'content-type': 'multipart/form-data; boundary=zzz' } }), 200, /Malformed multipart/],
    ['a DELETE', () => new Request(`${ORIGIN}/leads/import/`, { method: 'DELETE' }), 405, /not allowed/],
    ['an absurdly long value', () => new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: new URLSearchParams({ ...AUTH, firstName: 'x'.repeat(20_000) }) }), 200, /too long/],
  ];
  for (const [name, request, status, text] of bad) {
    test(`answers ${name} in the envelope (${status}) and keeps serving`, async () => {
      const sandbox = createSandbox(AUTH);
      const response = await sandbox.fetch(request());
      assert.equal(response.status, status);
      const json = await response.json();
      assert.equal(json.result, 'ERROR');
      assert.match(json.message, text);
      assert.equal((await call(sandbox, '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' })).json.result, 'SUCCESS');
    });
  }
});

describe('sandbox: credentials on every endpoint', () => {
  const paths = ['/landers/clicks/import/', '/leads/import/', '/order/import/', '/transactions/confirmPaypal/', '/upsale/import/', '/order/confirm/', '/order/query/'];
  for (const path of paths) {
    test(`${path} refuses a wrong pair`, async () => {
      const { status, json } = await call(createSandbox(AUTH), path, { loginId: 'sandbox', password: 'wrong', campaignId: '3' }, { auth: false });
      assert.equal(status, 200);
      assert.equal(json.result, 'ERROR');
      assert.match(json.message, /Could not authenticate credentials/);
    });
  }
  test('uses KONNEKTIVE_LOGIN_ID / KONNEKTIVE_PASSWORD when set', async () => {
    process.env.KONNEKTIVE_LOGIN_ID = 'env-login';
    process.env.KONNEKTIVE_PASSWORD = 'env-password';
    try {
      const sandbox = createSandbox();
      const params = { pageType: 'presellPage', campaignId: '3', requestUri: 'https://x.test/' };
      assert.equal((await call(sandbox, '/landers/clicks/import/', params)).json.result, 'ERROR');
      assert.equal((await call(sandbox, '/landers/clicks/import/', { ...params, loginId: 'env-login', password: 'env-password' }, { auth: false })).json.result, 'SUCCESS');
    } finally {
      delete process.env.KONNEKTIVE_LOGIN_ID;
      delete process.env.KONNEKTIVE_PASSWORD;
    }
  });
});

describe('sandbox: Import Click', () => {
  test('first click: 32-hex sessionId, affVals parsed case-sensitively, stored decoded', async () => {
    const sandbox = createSandbox(AUTH);
    const requestUri = 'https://shop.test/?affId=AbC1&c1=FaceBook&c2=a%26b&c3=x+y&utm_source=FB';
    const { json } = await call(sandbox, '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri, httpReferer: requestUri, userAgent: 'UA', ipAddress: '203.0.113.9' });
    assert.equal(json.result, 'SUCCESS');
    assert.match(json.message.sessionId, /^[0-9a-f]{32}$/);
    assert.deepEqual(json.message.affVals, { affId: 'AbC1', c1: 'FaceBook', c2: 'a&b', c3: 'x y' });
    const stored = sandbox.state().sessions[0];
    assert.equal(stored.requestUri, requestUri);
    assert.equal(stored.clicks[0].ipAddress, '203.0.113.9');
    assert.equal(stored.clicks[0].userAgent, 'UA');
  });

  test('later click with sessionId joins the same session', async () => {
    const sandbox = createSandbox(AUTH);
    const sessionId = await session(sandbox);
    const { json } = await call(sandbox, '/landers/clicks/import/', { pageType: 'checkoutPage', sessionId });
    assert.equal(json.message.sessionId, sessionId);
    assert.deepEqual(sandbox.state().sessions[0].clicks.map((c) => c.pageType), ['presellPage', 'checkoutPage']);
  });

  test('fraudPixel=1 on the checkout click returns a pixel', async () => {
    const sandbox = createSandbox(AUTH);
    const sessionId = await session(sandbox);
    const { json } = await call(sandbox, '/landers/clicks/import/', { pageType: 'checkoutPage', sessionId, fraudPixel: '1' });
    assert.equal(typeof json.message.pixel, 'string');
  });

  const errors: Array<[string, Record<string, string>, RegExp]> = [
    ['unknown pageType', { pageType: 'homePage', campaignId: '3', requestUri: 'https://x.test/' }, /Invalid pageType/],
    ['short page name (Konnektive wants its own)', { pageType: 'checkout', campaignId: '3', requestUri: 'https://x.test/' }, /Invalid pageType/],
    ['first click without requestUri', { pageType: 'presellPage', campaignId: '3' }, /requestUri is required/],
    ['first click without campaignId', { pageType: 'presellPage', requestUri: 'https://x.test/' }, /campaignId is required/],
    ['unknown campaign', { pageType: 'presellPage', campaignId: '99', requestUri: 'https://x.test/' }, /Invalid campaignId 99/],
    ['malformed sessionId', { pageType: 'leadPage', sessionId: 'not-a-session' }, /Invalid sessionId/],
  ];
  for (const [name, params, text] of errors) {
    test(`refuses ${name}`, async () => {
      const { json } = await call(createSandbox(AUTH), '/landers/clicks/import/', params);
      assert.equal(json.result, 'ERROR');
      assert.match(json.message, text);
    });
  }

  test('parseAffVals keeps case and passed values c1..c5, ignores others', () => {
    assert.deepEqual(parseAffVals('https://a.test/p?AFFID=no&affId=Yes&c5=Five&c6=six#frag'), { affId: 'Yes', c5: 'Five' });
  });
});

describe('sandbox: Import Lead', () => {
  test('creates a PARTIAL order with a 10-char uppercase hex orderId, linked to the session', async () => {
    const sandbox = createSandbox(AUTH);
    const sessionId = await session(sandbox);
    const { json } = await call(sandbox, '/leads/import/', { campaignId: '3', sessionId, ...CUSTOMER });
    assert.equal(json.result, 'SUCCESS');
    assert.match(json.message.orderId, /^[0-9A-F]{10}$/);
    assert.equal(json.message.orderStatus, 'PARTIAL');
    assert.equal(json.message.firstName, 'Ada');
    assert.deepEqual(sandbox.state().sessions[0].orderIds, [json.message.orderId]);
  });

  test('a later call with orderId updates the same lead', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/leads/import/', { campaignId: '3', orderId, firstName: 'Augusta' });
    assert.equal(json.message.orderId, orderId);
    assert.equal(json.message.firstName, 'Augusta');
    assert.equal(json.message.lastName, 'Lovelace');
    assert.equal(sandbox.state().orders.length, 1);
  });

  const fieldErrors: Array<[string, Record<string, string>, Record<string, string>]> = [
    ['missing names and contact', { campaignId: '3' }, { firstName: 'firstName is required', lastName: 'lastName is required', emailAddress: 'emailAddress or phoneNumber is required' }],
    ['a bad email', { campaignId: '3', firstName: 'A', lastName: 'B', emailAddress: 'nope' }, { emailAddress: 'emailAddress is not a valid email address' }],
    ['a name over the limit', { campaignId: '3', firstName: 'A'.repeat(31), lastName: 'B', phoneNumber: '5125550100' }, { firstName: 'firstName must be at most 30 characters' }],
  ];
  for (const [name, params, message] of fieldErrors) {
    test(`answers ${name} with an object keyed by field`, async () => {
      const { json } = await call(createSandbox(AUTH), '/leads/import/', params);
      assert.equal(json.result, 'ERROR');
      assert.deepEqual(json.message, message);
    });
  }

  test('refuses an unknown orderId and a completed order', async () => {
    const sandbox = createSandbox(AUTH);
    assert.match((await call(sandbox, '/leads/import/', { campaignId: '3', orderId: 'FFFFFFFFFF', ...CUSTOMER })).json.message, /Invalid orderId/);
    const { orderId } = await completeOrder(sandbox);
    assert.match((await call(sandbox, '/leads/import/', { campaignId: '3', orderId, ...CUSTOMER })).json.message, /only a PARTIAL order/);
  });
});

describe('sandbox: Import Order and the test cards', () => {
  test('approves 4111...: COMPLETE, items and totals from the campaign', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await completeOrder(sandbox);
    assert.equal(json.result, 'SUCCESS');
    assert.equal(json.message.orderId, orderId);
    assert.equal(json.message.orderStatus, 'COMPLETE');
    assert.deepEqual(
      json.message.items.map((i: any) => [i.productId, i.qty, i.price]),
      [[2, 1, 89.85]],
    );
    assert.equal(json.message.totalAmount, 89.85);
    assert.equal(json.message.cardLast4, '1111');
    assert.equal(JSON.stringify(sandbox.state()).includes('4111111111111111'), false, 'card number must not be stored');
    assert.equal(JSON.stringify(sandbox.state()).includes('"123"'), false, 'CVV must not be stored');
  });

  test('prices quantity, shipping, ship profile and coupon', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', product1_qty: '2', product2_id: '4', shipProfileId: '2', couponCode: 'save10', ...CARD });
    // 2 x 39.95 + 4.95 = 84.85 base; shipping 5.95 + 0 + 9.95 express; 10 % off the base.
    assert.equal(json.message.basePrice, 84.85);
    assert.equal(json.message.baseShipping, 15.9);
    assert.equal(json.message.totalDiscount, 8.49);
    assert.equal(json.message.totalAmount, 92.26);
  });

  test('honours explicit override parameters (the proxy decides whether they may pass)', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', product1_price: '1.00', product1_shipPrice: '0', ...CARD });
    assert.equal(json.message.totalAmount, 1);
  });

  const cardRows = TEST_CARDS.filter((card) => card.outcome === 'decline');
  for (const card of cardRows) {
    test(`${card.number} declines with "${card.message}" and keeps the order DECLINED for a retry`, async () => {
      const sandbox = createSandbox(AUTH);
      const { json, orderId, sessionId } = await completeOrder(sandbox, card.number);
      assert.deepEqual(json, { result: 'ERROR', message: card.message });
      const order = sandbox.state().orders[0];
      assert.equal(order.orderStatus, 'DECLINED');
      const retry = await call(sandbox, '/order/import/', { campaignId: '3', sessionId, orderId, product1_id: '2', ...CARD });
      assert.equal(retry.json.message.orderStatus, 'COMPLETE');
      assert.deepEqual(sandbox.state().orders[0].transactions.map((t: any) => t.status), ['DECLINED', 'APPROVED']);
    });
  }

  test('3-D Secure card: MERC_REDIRECT to the challenge page; approve POSTs finalizeTransaction to redirectsTo', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await completeOrder(sandbox, '4000000000003220');
    assert.equal(json.result, 'MERC_REDIRECT');
    assert.match(json.message.url, new RegExp(`^${ORIGIN}/_sandbox/3ds/[0-9a-f]{24}$`));
    assert.equal(sandbox.state().orders[0].orderStatus, 'PENDING');
    const page = await (await sandbox.fetch(new Request(json.message.url))).text();
    assert.match(page, /Approve payment/);
    const approved = await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    const html = await approved.text();
    assert.match(html, /action="https:\/\/shop.test\/upsell1.html"/);
    assert.match(html, /name="finalizeTransaction" value="1"/);
    assert.match(html, new RegExp(`name="orderData" value="[^"]*${orderId}`));
    assert.equal(sandbox.state().orders[0].orderStatus, 'COMPLETE');
  });

  test('3-D Secure fail goes to errorRedirectsTo?errorMsg= and declines', async () => {
    const sandbox = createSandbox(AUTH);
    const { json } = await completeOrder(sandbox, '4000000000003220');
    const failed = await sandbox.fetch(new Request(`${json.message.url}/fail`, { method: 'POST' }));
    assert.equal(failed.status, 303);
    assert.match(failed.headers.get('location') as string, /^https:\/\/shop\.test\/checkout\.html\?errorMsg=3-D%20Secure/);
    assert.equal(sandbox.state().orders[0].orderStatus, 'DECLINED');
    const again = await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    assert.equal(again.status, 409, 'a used challenge cannot be approved afterwards');
  });

  const orderErrors: Array<[string, Record<string, string>, RegExp | Record<string, string>]> = [
    ['no products', { ...CARD }, /No products specified/],
    ['an unknown product', { product1_id: '999', ...CARD }, /Invalid product id 999/],
    ['a bad quantity', { product1_id: '1', product1_qty: '0', ...CARD }, /product1_qty must be a whole number/],
    ['an absurd quantity', { product1_id: '1', product1_qty: '100000', ...CARD }, /product1_qty must be a whole number/],
    ['missing card fields', { product1_id: '1' }, { cardNumber: 'cardNumber is required', cardMonth: 'cardMonth is required', cardYear: 'cardYear is required', cardSecurityCode: 'cardSecurityCode is required' }],
    ['a Luhn-invalid card', { product1_id: '1', ...CARD, cardNumber: '4111111111111112' }, /Invalid Card Number/],
    ['an expired card', { product1_id: '1', ...CARD, cardYear: '2020' }, /Expired Card/],
    ['a short CVV', { product1_id: '1', ...CARD, cardSecurityCode: '12' }, /Invalid Security Code/],
    ['an unknown coupon', { product1_id: '1', ...CARD, couponCode: 'FREE' }, { couponCode: 'Coupon code FREE is not valid for this campaign' }],
    ['an unsupported paySource', { product1_id: '1', paySource: 'CHECK' }, /paySource CHECK is not supported/],
    ['PayPal without return URLs', { product1_id: '1', paySource: 'PAYPAL' }, /PayPal requires salesUrl/],
    ['malformed orderItems', { orderItems: '{nope' }, /orderItems must be a JSON object/],
  ];
  for (const [name, params, expected] of orderErrors) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const orderId = await lead(sandbox);
      const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, ...params });
      assert.equal(json.result, 'ERROR');
      if (expected instanceof RegExp) assert.match(json.message, expected);
      else assert.deepEqual(json.message, expected);
    });
  }

  test('accepts orderItems JSON instead of productN_*', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, orderItems: '{"1":1,"4":1}', ...CARD });
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [1, 4]);
  });

  test('an order without a lead needs the address, and refuses a second charge of a COMPLETE order', async () => {
    const sandbox = createSandbox(AUTH);
    const missing = await call(sandbox, '/order/import/', { campaignId: '3', firstName: 'A', lastName: 'B', emailAddress: 'a@b.co', product1_id: '1', ...CARD });
    assert.equal(missing.json.message.address1, 'address1 is required');
    const { orderId } = await completeOrder(sandbox);
    const again = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', ...CARD });
    assert.match(again.json.message, /already been completed/);
  });
});

describe('sandbox: PayPal', () => {
  async function paypalOrder(sandbox: Sandbox) {
    const orderId = await lead(sandbox);
    const { json } = await call(sandbox, '/order/import/', { campaignId: '3', orderId, product1_id: '1', paySource: 'PAYPAL', salesUrl: 'https://shop.test/checkout.html', ...RETURNS });
    return { orderId, json };
  }

  test('paySource=PAYPAL answers MERC_REDIRECT to the fake PayPal page, which returns with token and PayerID', async () => {
    const sandbox = createSandbox(AUTH);
    const { json, orderId } = await paypalOrder(sandbox);
    assert.equal(json.result, 'MERC_REDIRECT');
    const token = new URL(json.message.url).searchParams.get('token') as string;
    assert.match(token, /^EC-[0-9A-F]{16}$/);
    assert.match(await (await sandbox.fetch(new Request(json.message.url))).text(), /Pay with PayPal/);
    const back = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/paypal/${token}/approve`, { method: 'POST' }));
    const location = new URL(back.headers.get('location') as string);
    assert.equal(location.origin + location.pathname, 'https://shop.test/checkout.html');
    assert.equal(location.searchParams.get('token'), token);
    const payerId = location.searchParams.get('PayerID') as string;
    const confirmed = await call(sandbox, '/transactions/confirmPaypal/', { token, payerId, orderId });
    assert.equal(confirmed.json.result, 'SUCCESS');
    assert.equal(confirmed.json.message.orderStatus, 'COMPLETE');
    const twice = await call(sandbox, '/transactions/confirmPaypal/', { token, PayerID: payerId });
    assert.match(twice.json.message, /already been used/);
  });

  const confirmErrors: Array<[string, (token: string) => Record<string, string>, RegExp]> = [
    ['no token', () => ({ payerId: 'X' }), /token and payerId are required/],
    ['an unknown token', () => ({ token: 'EC-0000000000000000', payerId: 'X' }), /Invalid PayPal token/],
    ['a token the payer has not approved', (token) => ({ token, payerId: 'X' }), /not yet approved/],
  ];
  for (const [name, params, text] of confirmErrors) {
    test(`Confirm PayPal refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const { json } = await paypalOrder(sandbox);
      const token = new URL(json.message.url).searchParams.get('token') as string;
      assert.match((await call(sandbox, '/transactions/confirmPaypal/', params(token))).json.message, text);
    });
  }

  test('cancel returns to errorRedirectsTo with errorMsg', async () => {
    const sandbox = createSandbox(AUTH);
    const { json } = await paypalOrder(sandbox);
    const token = new URL(json.message.url).searchParams.get('token') as string;
    const back = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/paypal/${token}/cancel`, { method: 'POST' }));
    assert.match(back.headers.get('location') as string, /checkout\.html\?errorMsg=PayPal/);
  });
});

describe('sandbox: Import Upsale', () => {
  test('appends to a COMPLETE order, charged to its pay source', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId, sessionId } = await completeOrder(sandbox);
    const { json } = await call(sandbox, '/upsale/import/', { orderId, sessionId, productId: '10' });
    assert.equal(json.result, 'SUCCESS');
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [2, 10]);
    assert.equal(json.message.totalAmount, 114.8);
  });

  test('replaceProductId swaps the offer; productN_* style works too', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox);
    const { json } = await call(sandbox, '/upsale/import/', { orderId, product1_id: '3', replaceProductId: '2' });
    assert.deepEqual(json.message.items.map((i: any) => i.productId), [3]);
  });

  test('the decline-upsales card declines every upsale', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox, '4000000000000341');
    const { json } = await call(sandbox, '/upsale/import/', { orderId, productId: '10' });
    assert.deepEqual(json, { result: 'ERROR', message: 'Transaction Declined: Insufficient Funds' });
  });

  test('a 3-D Secure order challenges each upsale too', async () => {
    const sandbox = createSandbox(AUTH);
    const { json: order } = await completeOrder(sandbox, '4000000000003220');
    await sandbox.fetch(new Request(`${order.message.url}/approve`, { method: 'POST' }));
    const orderId = sandbox.state().orders[0].orderId as string;
    const { json } = await call(sandbox, '/upsale/import/', { orderId, productId: '10', ...RETURNS });
    assert.equal(json.result, 'MERC_REDIRECT');
    await sandbox.fetch(new Request(`${json.message.url}/approve`, { method: 'POST' }));
    assert.deepEqual(sandbox.state().orders[0].items.map((i: any) => i.productId), [2, 10]);
  });

  test('closes after the upsell window', async () => {
    let now = Date.now();
    const sandbox = createSandbox({ ...AUTH, now: () => now });
    const { orderId } = await completeOrder(sandbox);
    now += (DEMO_CAMPAIGN.upsellWindowMinutes + 1) * 60_000;
    assert.match((await call(sandbox, '/upsale/import/', { orderId, productId: '10' })).json.message, /upsell window \(120 minutes\)/);
  });

  const errors: Array<[string, (orderId: string) => Record<string, string>, RegExp]> = [
    ['no orderId', () => ({ productId: '10' }), /orderId is required/],
    ['an unknown order', () => ({ orderId: 'ABCDEF0123', productId: '10' }), /Invalid orderId/],
    ['no product', (orderId) => ({ orderId }), /No products specified/],
    ['an unknown product', (orderId) => ({ orderId, productId: '77' }), /Invalid product id 77/],
    ['replacing a product not on the order', (orderId) => ({ orderId, productId: '10', replaceProductId: '3' }), /replaceProductId 3 is not on this order/],
  ];
  for (const [name, params, text] of errors) {
    test(`refuses ${name}`, async () => {
      const sandbox = createSandbox(AUTH);
      const { orderId } = await completeOrder(sandbox);
      assert.match((await call(sandbox, '/upsale/import/', params(orderId))).json.message, text);
    });
  }

  test('refuses an order that is only a lead', async () => {
    const sandbox = createSandbox(AUTH);
    const orderId = await lead(sandbox);
    assert.match((await call(sandbox, '/upsale/import/', { orderId, productId: '10' })).json.message, /only be added to a COMPLETE order/);
  });
});

describe('sandbox: Confirm Order and Query Order', () => {
  test('Confirm Order counts confirmations of a COMPLETE order', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox);
    assert.equal((await call(sandbox, '/order/confirm/', { orderId })).json.result, 'SUCCESS');
    assert.equal(sandbox.state().orders[0].confirmations, 1);
  });

  test('Confirm Order refuses a missing, unknown or partial order', async () => {
    const sandbox = createSandbox(AUTH);
    assert.match((await call(sandbox, '/order/confirm/', {})).json.message, /orderId is required/);
    assert.match((await call(sandbox, '/order/confirm/', { orderId: 'AAAAAAAAAA' })).json.message, /Invalid orderId/);
    const orderId = await lead(sandbox);
    assert.match((await call(sandbox, '/order/confirm/', { orderId })).json.message, /Only a COMPLETE order/);
  });

  test('Query Order finds by orderId or emailAddress', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox);
    const byId = await call(sandbox, '/order/query/', { orderId });
    assert.equal(byId.json.message.totalResults, 1);
    assert.equal(byId.json.message.data[0].orderStatus, 'COMPLETE');
    const byEmail = await call(sandbox, '/order/query/', { emailAddress: CUSTOMER.emailAddress });
    assert.equal(byEmail.json.message.data[0].orderId, orderId);
    assert.match((await call(sandbox, '/order/query/', { orderId: 'NOPE000000' })).json.message, /No orders matching/);
  });
});

describe('sandbox: inspector, state, reset and faults', () => {
  test('the inspector lists a session with its click, lead, order and upsale', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId, sessionId } = await completeOrder(sandbox);
    await call(sandbox, '/upsale/import/', { orderId, sessionId, productId: '10' });
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/`))).text();
    for (const text of [sessionId, orderId, 'presellPage', 'affId=AbC1', 'Driftwell Silk Night Mask', 'COMPLETE', 'src="/_sandbox/inspector.js"']) {
      assert.ok(html.includes(text), `inspector shows ${text}`);
    }
  });

  test('the inspector escapes what visitors typed', async () => {
    const sandbox = createSandbox(AUTH);
    await call(sandbox, '/leads/import/', { campaignId: '3', firstName: '<script>x</script>', lastName: 'B', emailAddress: 'a@b.co' });
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/`))).text();
    assert.ok(!html.includes('<script>x</script>'));
    assert.ok(html.includes('&#60;script&#62;'));
  });

  test('/_sandbox/state is newest first; /_sandbox/reset empties it', async () => {
    const sandbox = createSandbox(AUTH);
    const first = await session(sandbox);
    const second = await session(sandbox);
    const state = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/state`))).json();
    assert.deepEqual(state.sessions.map((s: any) => s.sessionId), [second, first]);
    assert.equal(state.calls[0].endpoint, 'click');
    await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/reset`, { method: 'POST' }));
    const empty = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/state`))).json();
    assert.deepEqual(empty, { sessions: [], orders: [], calls: [], pixels: [] });
  });

  const faults: Array<[string, Record<string, unknown>, (r: Response) => Promise<void>, boolean]> = [
    ['http500', { mode: 'http500' }, async (r) => assert.equal(r.status, 500), false],
    ['http502', { mode: 'http502' }, async (r) => assert.match(await r.text(), /502 Bad Gateway/), false],
    ['truncated', { mode: 'truncated' }, async (r) => void (await assert.rejects(r.json())), true],
    ['reset', { mode: 'reset' }, async (r) => void (await assert.rejects(r.text())), true],
    ['timeout', { mode: 'timeout', delayMs: 50 }, async (r) => assert.equal((await r.json()).result, 'SUCCESS'), true],
  ];
  for (const [name, fault, check, processed] of faults) {
    test(`fault ${name}: ${processed ? 'processed, answer lost' : 'not processed'}, then clears`, async () => {
      const sandbox = createSandbox(AUTH);
      const set = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ ...fault, endpoints: ['lead'], times: 1 }) }));
      assert.equal(set.status, 200);
      const response = await sandbox.fetch(new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: new URLSearchParams({ ...AUTH, campaignId: '3', ...CUSTOMER }) }));
      await check(response);
      assert.equal(sandbox.state().orders.length, processed ? 1 : 0);
      await lead(sandbox); // times: 1, so the next call is normal
    });
  }

  test('a bad fault is refused with a reason', async () => {
    const response = await createSandbox(AUTH).fetch(new Request(`${ORIGIN}/_sandbox/faults`, { method: 'POST', body: '{"mode":"explode"}' }));
    assert.equal(response.status, 400);
    assert.match((await response.json()).message, /mode must be one of/);
  });
});

test('every test card is valid by the shared card rules, of the brand it names, and documented', () => {
  for (const card of TEST_CARDS) {
    assert.ok(cardNumberValid(card.number), card.number);
    assert.equal(cardBrand(card.number).name, card.brand, card.number);
    assert.ok(card.note.length > 5);
  }
});
