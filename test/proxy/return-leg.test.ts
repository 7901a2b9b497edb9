import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { signReturn } from '../../src/proxy/return-leg.js';
import { Signer } from '../../src/proxy/signing.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { COMPLETE, json, LOGIN, ORDER, OTHER_VISITOR, proxy, request, SITE, VISITOR } from './helpers.js';

describe('proxy: the 3-D Secure return leg', () => {
  async function returnUrls(handler: ReturnType<typeof proxy>, upstream: ReturnType<typeof recordingUpstream>) {
    await handler(request('order', { body: { ...ORDER, redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` }, key: 'three-ds-key-01' }));
    const { redirectsTo, errorRedirectsTo } = upstream.calls[0]?.params ?? {};
    assert.ok(redirectsTo && errorRedirectsTo, 'Konnektive got both return links');
    return { redirectsTo, errorRedirectsTo };
  }

  test('Konnektive gets signed return links on the proxy instead of the page URLs', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const { redirectsTo, errorRedirectsTo } = await returnUrls(proxy(upstream), upstream);
    assert.match(redirectsTo, /^https:\/\/shop\.test\/kfunnel\/return\/s\/[\w-]+\.[\w-]+$/);
    assert.match(errorRedirectsTo, /^https:\/\/shop\.test\/kfunnel\/return\/e\/[\w-]+\.[\w-]+$/);
  });

  test('success: a cross-site POST with no cookies is sent on to the next page (303) and the order, checked with Query Order, is recorded', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { totalResults: 1, data: [COMPLETE] }) : konnektive('ERROR', 'unexpected')));
    const orderData = JSON.stringify({ ...COMPLETE, sessionId: ORDER.sessionId });
    const response = await handler(
      new Request(redirectsTo, { method: 'POST', headers: { origin: 'https://bank.test', 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ finalizeTransaction: '1', orderData }) }),
    );
    assert.equal(response.status, 303);
    assert.equal(response.headers.get('location'), `${SITE}/upsell1.html`);
    assert.equal(upstream.to('/order/query/')[0]?.params.orderId, ORDER.orderId);
    const resubmit = await handler(request('order', { body: ORDER, key: 'after-3ds-0001' }));
    assert.equal(resubmit.headers.get('idempotent-replayed'), 'order-complete');
    assert.equal(upstream.to('/order/import/').length, 1);
  });

  test('posted orderData is never believed: an order Konnektive has not completed is not recorded as paid', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    upstream.answer((call) => (call.path === '/order/query/' ? konnektive('SUCCESS', { data: [{ ...COMPLETE, orderStatus: 'PARTIAL' }] }) : konnektive('ERROR', 'Transaction Declined')));
    const orderData = JSON.stringify({ ...COMPLETE, orderId: ORDER.orderId });
    const response = await handler(new Request(redirectsTo, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ orderData }) }));
    assert.equal(response.status, 303);
    const resubmit = await handler(request('order', { body: ORDER, key: 'after-forged-01' }));
    assert.equal(resubmit.headers.get('idempotent-replayed'), null, 'the order was not recorded as paid');
    assert.equal(upstream.to('/order/import/').length, 2, 'the real buyer can still pay');
  });

  test('a return link only works on the host it was made for, and not for another visitor', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream, { publicOrigins: [SITE, 'https://other-shop.test'] });
    const { redirectsTo } = await returnUrls(handler, upstream);
    const moved = await json(await handler(new Request(redirectsTo.replace(SITE, 'https://other-shop.test'))));
    assert.equal(moved.body.code, 'bad_return_link');
    const stranger = await json(await handler(new Request(redirectsTo, { headers: { cookie: `kf_v=${OTHER_VISITOR}` } })));
    assert.equal(stranger.body.code, 'not_your_order');
    const own = await handler(new Request(redirectsTo, { headers: { cookie: `kf_v=${VISITOR}` } }));
    assert.equal(own.status, 303);
  });

  test('failure: errorMsg goes back to the checkout', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test/3ds' }));
    const handler = proxy(upstream);
    const { errorRedirectsTo } = await returnUrls(handler, upstream);
    const response = await handler(new Request(`${errorRedirectsTo}?errorMsg=Card+not+enrolled`));
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location') as string);
    assert.equal(location.pathname, '/checkout.html');
    assert.equal(location.searchParams.get('errorMsg'), 'Card not enrolled');
  });

  test('PayPal coming back to redirectsTo with token and PayerID goes to the page that confirms it', async () => {
    const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://paypal.test' }));
    const handler = proxy(upstream);
    const { redirectsTo } = await returnUrls(handler, upstream);
    const response = await handler(new Request(`${redirectsTo}?token=EC-1&PayerID=P9`));
    const location = new URL(response.headers.get('location') as string);
    assert.equal(location.pathname, '/checkout.html');
    assert.equal(location.searchParams.get('token'), 'EC-1');
    assert.equal(location.searchParams.get('PayerID'), 'P9');
  });

  const forged: Array<[string, (link: string) => string]> = [
    ['a forged signature', (link) => link.replace(/\.[\w-]+$/, '.AAAA')],
    ['a payload swapped to another site', (link) => link.replace(/\/s\/[\w-]+\./, `/s/${Buffer.from(JSON.stringify(['return', 'https://evil.test/', 'https://evil.test/', 9e9, 'ABCDE12345', 'x', SITE])).toString('base64url')}.`)],
  ];
  for (const [name, tamper] of forged) {
    test(`${name} is refused (400), as a page for a browser`, async () => {
      const upstream = recordingUpstream(() => konnektive('MERC_REDIRECT', { url: 'https://bank.test' }));
      const handler = proxy(upstream);
      const { redirectsTo } = await returnUrls(handler, upstream);
      const response = await handler(new Request(tamper(redirectsTo), { headers: { accept: 'text/html' } }));
      assert.equal(response.status, 400);
      assert.match(await response.text(), /please do not pay again/i);
    });
  }

  test('an expired link is refused', async () => {
    const signer = new Signer(`kfunnel-return:${LOGIN.loginId}:${LOGIN.password}`);
    const token = await signReturn(signer, { next: `${SITE}/a`, back: `${SITE}/b`, expires: Math.floor(Date.now() / 1000) - 1, orderId: 'ABCDE12345', visitor: 'x', origin: SITE });
    const response = await proxy(recordingUpstream())(new Request(`${SITE}/kfunnel/return/s/${token}`));
    assert.equal((await json(response)).body.code, 'bad_return_link');
  });
});
