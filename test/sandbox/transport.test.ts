import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { ORIGIN, AUTH, type Sandbox, call } from './helpers.js';

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
