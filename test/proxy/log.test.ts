import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestIdMaker } from '../../src/proxy/handler.js';
import { redactor } from '../../src/proxy/log.js';
import { konnektive, recordingUpstream } from '../helpers/upstream.js';
import { COMPLETE, LOGIN, ORDER, proxy, request } from './helpers.js';

describe('proxy: logging', () => {
  test('one redacted JSON line per request; no card data or credentials, whatever the browser sends', async () => {
    const log: string[] = [];
    const upstream = recordingUpstream(() => konnektive('SUCCESS', COMPLETE));
    const handler = proxy(upstream, {}, log);
    const secrets = ['4111111111111111', '4111 1111 1111 1111', '737', LOGIN.loginId, LOGIN.password, '123456789012'];
    await handler(request('order', { body: { ...ORDER, cardSecurityCode: '737', achAccountNumber: '123456789012' }, key: 'logged-key-0001' }));
    await handler(request('click', { body: { pageType: 'presellPage', '4111 1111 1111 1111': 'x', [LOGIN.password]: 'y' } }));
    await handler(request('click', { body: { loginId: LOGIN.loginId } }));
    assert.equal(log.length, 3);
    for (const line of log) {
      const { id, time, ms, ...rest } = JSON.parse(line);
      assert.ok(id && rest.route && rest.status && typeof ms === 'number');
      // The id is hex and the time and duration are digits: a 3-digit CVV could match them by chance.
      const content = JSON.stringify(rest);
      for (const secret of secrets) assert.ok(!content.includes(secret), `log line leaks ${secret}: ${line}`);
    }
    assert.equal(JSON.parse(log[0] ?? '').result, 'SUCCESS');
  });

  test('the logged id is the X-Request-Id header', async () => {
    const log: string[] = [];
    const response = await proxy(recordingUpstream(), {}, log)(request('click', { body: { pageType: 'presellPage' } }));
    assert.equal(JSON.parse(log[0] ?? '').id, response.headers.get('x-request-id'));
  });

  test('no request id looks like a card number to the log mask, whatever the instance draws', () => {
    const mask = redactor([]);
    for (const seed of [0, 0x12345678, 0x99999999, 0x00000009, 0xfffffff0, 0xffffffff]) {
      const next = requestIdMaker(seed);
      for (let i = 0; i < 200; i++) {
        const id = next();
        assert.match(id, /^[0-9a-f]{16}$/);
        assert.equal(mask(id), id, `seed ${seed.toString(16)} made ${id}`);
      }
    }
  });
});
