import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { AUTH, call, CUSTOMER, session, lead, completeOrder } from './helpers.js';

describe('sandbox: Import Lead', () => {
  test('creates a PARTIAL order with a 10-char uppercase hex orderId, linked to the session', async () => {
    const sandbox = createSandbox(AUTH);
    const sessionId = await session(sandbox);
    const { json } = await call(sandbox, '/leads/import/', { campaignId: '3', sessionId, ...CUSTOMER });
    assert.equal(json.result, 'SUCCESS');
    assert.match(json.message.orderId, /^[0-9A-F]{10}$/);
    assert.equal(json.message.orderStatus, 'PARTIAL');
    assert.equal(json.message.firstName, 'Ada');
    assert.deepEqual(sandbox.state().sessions[0]?.orderIds, [json.message.orderId]);
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
