import assert from 'node:assert/strict';
import { createSandbox } from '../../src/sandbox/index.js';

export const ORIGIN = 'http://127.0.0.1:9100';
export const AUTH = { loginId: 'sandbox', password: 'sandbox' };

export type Sandbox = ReturnType<typeof createSandbox>;

export async function call(sandbox: Sandbox, path: string, params: Record<string, string>, init: { method?: string; auth?: boolean } = {}) {
  const body = new URLSearchParams({ ...(init.auth === false ? {} : AUTH), ...params });
  const request =
    init.method === 'GET'
      ? new Request(`${ORIGIN}${path}?${body}`)
      : new Request(`${ORIGIN}${path}`, { method: 'POST', body });
  const response = await sandbox.fetch(request);
  return { status: response.status, json: (await response.json()) as { result: string; message: any } };
}

export const CUSTOMER = {
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
export const CARD = { cardNumber: '4111111111111111', cardMonth: '12', cardYear: String(new Date().getFullYear() + 2), cardSecurityCode: '123' };
export const RETURNS = { redirectsTo: 'https://shop.test/upsell1.html', errorRedirectsTo: 'https://shop.test/checkout.html' };

export async function session(sandbox: Sandbox) {
  const { json } = await call(sandbox, '/landers/clicks/import/', {
    pageType: 'presellPage',
    campaignId: '3',
    requestUri: 'https://shop.test/?affId=AbC1&c1=FaceBook&c2=a%26b',
    userAgent: 'test-agent',
  });
  return json.message.sessionId as string;
}

export async function lead(sandbox: Sandbox, sessionId?: string) {
  const { json } = await call(sandbox, '/leads/import/', { campaignId: '3', ...(sessionId ? { sessionId } : {}), ...CUSTOMER });
  assert.equal(json.result, 'SUCCESS', JSON.stringify(json));
  return json.message.orderId as string;
}

export async function completeOrder(sandbox: Sandbox, card = CARD.cardNumber) {
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

// The payment tests' customer (no phone) and the return URLs the proxy sends.
export const BUYER = { firstName: 'Ada', lastName: 'Lovelace', emailAddress: 'ada@example.com', address1: '1 Analytical Way', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US' };
export const PROXY_RETURNS = { redirectsTo: 'https://shop.test/kfunnel/return/s/tok', errorRedirectsTo: 'https://shop.test/kfunnel/return/e/tok' };

/** The answer alone, for tests that do not look at the status. */
export async function ask(sandbox: Sandbox, path: string, params: Record<string, string>) {
  const response = await sandbox.fetch(new Request(`${ORIGIN}${path}`, { method: 'POST', body: new URLSearchParams({ ...AUTH, ...params }) }));
  return (await response.json()) as { result: string; message: any };
}

export const order = (sandbox: Sandbox, params: Record<string, string>) => ask(sandbox, '/order/import/', { campaignId: '3', product1_id: '1', ...BUYER, ...params });
export const query = async (sandbox: Sandbox, orderId: string) => (await ask(sandbox, '/order/query/', { orderId })).message.data[0];
export const post = (sandbox: Sandbox, url: string) => sandbox.fetch(new Request(url, { method: 'POST' }));
export const tokenOf = (url: string) => url.match(/\/_sandbox\/pay\/([0-9a-f]{24})$/)?.[1] as string;
