import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { AUTH, call, lead, completeOrder } from './helpers.js';

describe('sandbox: Confirm Order', () => {
  test('Confirm Order counts confirmations of a COMPLETE order', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId } = await completeOrder(sandbox);
    assert.equal((await call(sandbox, '/order/confirm/', { orderId })).json.result, 'SUCCESS');
    assert.equal(sandbox.state().orders[0]?.confirmations, 1);
  });

  test('Confirm Order refuses a missing, unknown or partial order', async () => {
    const sandbox = createSandbox(AUTH);
    assert.match((await call(sandbox, '/order/confirm/', {})).json.message, /orderId is required/);
    assert.match((await call(sandbox, '/order/confirm/', { orderId: 'AAAAAAAAAA' })).json.message, /Invalid orderId/);
    const orderId = await lead(sandbox);
    assert.match((await call(sandbox, '/order/confirm/', { orderId })).json.message, /Only a COMPLETE order/);
  });

});
