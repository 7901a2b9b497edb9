import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Campaign, createSandbox, DEMO_CAMPAIGN } from '../../src/sandbox/index.js';
import { parseAffVals } from '../../src/sandbox/api/index.js';
import { ORIGIN, AUTH, type Sandbox, call, CARD, session, ask, PROXY_RETURNS, order } from './helpers.js';

describe('sandbox: Import Click', () => {
  test('first click: 32-hex sessionId, affVals parsed case-sensitively, stored decoded', async () => {
    const sandbox = createSandbox(AUTH);
    const requestUri = 'https://shop.test/?affId=AbC1&c1=FaceBook&c2=a%26b&c3=x+y&utm_source=FB';
    const { json } = await call(sandbox, '/landers/clicks/import/', { pageType: 'presellPage', campaignId: '3', requestUri, httpReferer: requestUri, userAgent: 'UA', ipAddress: '203.0.113.9' });
    assert.equal(json.result, 'SUCCESS');
    assert.match(json.message.sessionId, /^[0-9a-f]{32}$/);
    assert.deepEqual(json.message.affVals, { affId: 'AbC1', c1: 'FaceBook', c2: 'a&b', c3: 'x y' });
    const stored = sandbox.state().sessions[0];
    assert.ok(stored);
    assert.equal(stored.requestUri, requestUri);
    assert.equal(stored.clicks[0]?.ipAddress, '203.0.113.9');
    assert.equal(stored.clicks[0]?.userAgent, 'UA');
  });

  test('later click with sessionId joins the same session', async () => {
    const sandbox = createSandbox(AUTH);
    const sessionId = await session(sandbox);
    const { json } = await call(sandbox, '/landers/clicks/import/', { pageType: 'checkoutPage', sessionId });
    assert.equal(json.message.sessionId, sessionId);
    assert.deepEqual(sandbox.state().sessions[0]?.clicks.map((c) => c.pageType), ['presellPage', 'checkoutPage']);
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

describe('sandbox: test pixels in Import Click', () => {
  const click = (sandbox: Sandbox, params: Record<string, string>) =>
    ask(sandbox, '/landers/clicks/import/', { campaignId: '3', requestUri: 'https://shop.test/checkout.html', ...params });

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
    const thanks = await ask(sandbox, '/landers/clicks/import/', { pageType: 'thankyouPage', sessionId });
    assert.match(thanks.message.pixel, new RegExp(`/_sandbox/pixel/${sessionId}/affiliate\\.gif\\?pageType=thankyouPage`));
    assert.match(thanks.message.pixel, /<script src="[^"]+affiliate\.js\?pageType=thankyouPage" async><\/script>/);
    const custom: Campaign = { ...DEMO_CAMPAIGN, campaignId: 9, pixel: { pageTypes: ['leadPage'] } };
    const other = createSandbox({ ...AUTH, campaigns: [custom] });
    assert.match((await ask(other, '/landers/clicks/import/', { campaignId: '9', pageType: 'leadPage', requestUri: 'https://shop.test/' })).message.pixel, /affiliate\.gif/);
  });

  test("pages: 'shop' makes pixel URLs page-relative and redirects follow the shop's return URLs; a fixed URL is used as given", async () => {
    const shop = createSandbox({ ...AUTH, pages: 'shop' });
    const answer = await click(shop, { pageType: 'checkoutPage', fraudPixel: '1' });
    assert.match(answer.message.pixel, /^<img src="\/_sandbox\/pixel\//);
    const redirect = await order(shop, { ...CARD, cardNumber: '4000000000003220', ...PROXY_RETURNS });
    assert.match(redirect.message.url, /^https:\/\/shop\.test\/_sandbox\/3ds\/[0-9a-f]{24}$/);
    const paypal = await order(shop, { paySource: 'PAYPAL', salesUrl: 'http://192.168.1.20:8080/checkout.html', redirectsTo: 'http://192.168.1.20:8080/kfunnel/return/s/t', errorRedirectsTo: 'http://192.168.1.20:8080/kfunnel/return/e/t' });
    assert.match(paypal.message.url, /^http:\/\/192\.168\.1\.20:8080\/_sandbox\/paypal\/checkoutnow\?token=EC-/);

    const fixed = createSandbox({ ...AUTH, pages: 'https://sandbox.example.com/' });
    assert.match((await order(fixed, { paySource: 'PREPAID', prepaidType: 'BLIK', ...PROXY_RETURNS })).message.url, /^https:\/\/sandbox\.example\.com\/_sandbox\/pay\//);
  });

});
