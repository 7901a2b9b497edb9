import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createProxyHandler } from '../../src/proxy/fetch.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { sandboxUpstream } from '../helpers/upstream.js';
import { json, ORDER, request, SITE, type Send } from './helpers.js';

const requestAs = request;

describe('proxy: runtimes', () => {
  test('the bare fetch handler runs the whole flow against the sandbox', async () => {
    const sandbox = createSandbox({ loginId: 'sandbox', password: 'sandbox' });
    const handler = createProxyHandler({ loginId: 'sandbox', password: 'sandbox', apiUrl: 'http://sandbox.test', fetch: sandboxUpstream(sandbox), log: () => {}, rateLimitPerMinute: 0, publicOrigins: [SITE] });
    // A fresh visitor: the click answer gives it its cookie, which the calls below carry like a browser does.
    const first = await handler(requestAs('click', { visitor: null, body: { pageType: 'checkoutPage', campaignId: '3', requestUri: `${SITE}/checkout.html?affId=X1` } }));
    const visitorCookie = first.headers.getSetCookie().find((c) => c.startsWith('__Host-kf_v=')) as string;
    assert.match(visitorCookie, /^__Host-kf_v=[\w-]{22}; Path=\/; Max-Age=\d+; SameSite=Lax; Secure; HttpOnly$/);
    const visitor = visitorCookie.slice('__Host-kf_v='.length, visitorCookie.indexOf(';'));
    const request = (route: string, send: Send) => requestAs(route, { ...send, visitor: null, headers: { cookie: `__Host-kf_v=${visitor}` } });
    const click = await json(first);
    const sessionId = click.body.message.sessionId;
    const lead = await json(await handler(request('lead', { body: { campaignId: '3', sessionId, firstName: 'Ada', lastName: 'L', emailAddress: 'a@b.co' } })));
    const orderId = lead.body.message.orderId;
    const order = await json(
      await handler(
        request('order', {
          key: 'sandbox-flow-001',
          body: { ...ORDER, sessionId, orderId, address1: '1 A St', city: 'Austin', postalCode: '78701', country: 'US', redirectsTo: `${SITE}/upsell1.html`, errorRedirectsTo: `${SITE}/checkout.html` },
        }),
      ),
    );
    assert.equal(order.body.message.orderStatus, 'COMPLETE');
    const upsale = await json(await handler(request('upsale', { key: 'sandbox-flow-002', body: { orderId, sessionId, productId: '10' } })));
    assert.equal(upsale.body.result, 'SUCCESS');
    const confirm = await json(await handler(request('confirm', { body: { orderId } })));
    assert.equal(confirm.body.result, 'SUCCESS');
    const state = sandbox.state();
    assert.equal(state.sessions[0]?.affVals.affId, 'X1');
    assert.deepEqual(state.orders[0]?.items.map((i: any) => i.productId), [2, 10]);
    assert.equal(state.orders[0]?.confirmations, 1);
  });
});
