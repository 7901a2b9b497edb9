import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { AUTH, call, CUSTOMER, completeOrder } from './helpers.js';

describe('sandbox: Query Order', () => {
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
