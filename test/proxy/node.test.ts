import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { kfunnelMiddleware, startProxyServer } from '../../src/server/index.js';
import { startSandboxServer } from '../../src/sandbox/index.js';
import { recordingUpstream } from '../helpers/upstream.js';
import { LOGIN } from './helpers.js';

describe('proxy: runtimes', () => {
  test('`kfunnel proxy`: the node:http server forwards to KONNEKTIVE_API_URL (a sandbox server here)', async () => {
    const sandbox = await startSandboxServer({ loginId: 'node-login', password: 'node-password' });
    const server = await startProxyServer({ loginId: 'node-login', password: 'node-password', apiUrl: sandbox.url, log: () => {} });
    try {
      const response = await fetch(`${server.url}/kfunnel/click`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ pageType: 'presellPage', campaignId: '3', requestUri: `${server.url}/?affId=N1` }),
      });
      const body = await response.json();
      assert.equal(body.result, 'SUCCESS');
      assert.equal(sandbox.sandbox.state().sessions[0]?.clicks[0]?.ipAddress, '127.0.0.1');
      const refused = await fetch(`${server.url}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.test' }, body: '{}' });
      assert.equal(refused.status, 403);
    } finally {
      await server.close();
      await sandbox.close();
    }
  });

  test('Connect/Express middleware handles its base path and passes everything else on', async () => {
    const upstream = recordingUpstream();
    const middleware = kfunnelMiddleware({ ...LOGIN, apiUrl: 'https://konnektive.test', fetch: upstream.fetch, log: () => {} });
    const server = createServer((req, res) => {
      // An Express-style body parser that ran first on /kfunnel/lead.
      const parsed = req.url === '/kfunnel/lead';
      const next = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('next');
      if (!parsed) return middleware(req, res, next);
      let text = '';
      req.on('data', (chunk) => (text += chunk)).on('end', () => middleware(Object.assign(req, { body: JSON.parse(text) }), res, next));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const other = await fetch(`${base}/about.html`);
      assert.equal(await other.text(), 'next');
      const click = await fetch(`${base}/kfunnel/click`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"pageType":"presellPage"}' });
      assert.equal((await click.json()).result, 'SUCCESS');
      const lead = await fetch(`${base}/kfunnel/lead`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: '{"firstName":"Ada"}' });
      assert.equal(lead.status, 200);
      assert.equal(upstream.to('/leads/import/')[0]?.params.firstName, 'Ada');
    } finally {
      server.close();
    }
  });
});
