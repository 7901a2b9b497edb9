import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createNodeFetch } from '../src/server/node-fetch.js';
import { callKonnektive, TAKES_TIMEOUT } from '../src/proxy/upstream.js';
import { resolveConfig } from '../src/proxy/config.js';

describe('createNodeFetch: the part of fetch the proxy uses, on node:http', () => {
  let server: Server;
  let base = '';
  const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/slow') return; // never answers
        if (req.url === '/cut') {
          res.writeHead(200, { 'content-length': '100' });
          res.write('{"partial":');
          setTimeout(() => res.destroy(), 20);
          return;
        }
        res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' }).end('{"result":"SUCCESS"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const fetch = createNodeFetch();

  test('posts the body with its headers (names lower-cased, content-length set) and reads ok, status and text', async () => {
    for (const headers of [{ 'Content-Type': 'application/x-www-form-urlencoded' }, new Headers({ 'Content-Type': 'application/x-www-form-urlencoded' })]) {
      const response = await fetch(`${base}/order/import/?x=1`, { method: 'POST', headers, body: new URLSearchParams({ a: 'é&b' }) });
      assert.equal(response.ok, true);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '{"result":"SUCCESS"}');
      const last = seen.at(-1)!;
      assert.equal(last.method, 'POST');
      assert.equal(last.url, '/order/import/?x=1');
      assert.equal(last.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.equal(last.headers['content-length'], String(Buffer.byteLength('a=%C3%A9%26b')));
      assert.equal(last.body, 'a=%C3%A9%26b');
    }
    const failed = await fetch(`${base}/fail`, { method: 'POST', body: 'x' });
    assert.deepEqual([failed.ok, failed.status], [false, 500]);
  });

  test('an abort rejects with the signal\'s reason, before the answer and while it arrives', async () => {
    const reason = new DOMException('no answer in 50 ms', 'TimeoutError');
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(fetch(`${base}/slow`, { method: 'POST', body: 'x', signal: controller.signal }), (error) => error === reason);
    const early = new AbortController();
    early.abort(reason);
    await assert.rejects(fetch(`${base}/fail`, { method: 'POST', body: 'x', signal: early.signal }), (error) => error === reason);
  });

  test('timeoutMs (the proxy\'s deadline, no signal needed) rejects with a TimeoutError; an answer in time is not cut later', async () => {
    assert.equal(TAKES_TIMEOUT in fetch, true);
    const started = Date.now();
    await assert.rejects(fetch(`${base}/slow`, { method: 'POST', body: 'x', timeoutMs: 60 } as RequestInit), { name: 'TimeoutError' });
    assert.ok(Date.now() - started < 2000);
    // An answer in time is not cut by its deadline timer later.
    const quick = await fetch(`${base}/fast`, { method: 'POST', body: 'x', timeoutMs: 60 } as RequestInit);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(await quick.text(), '{"result":"SUCCESS"}');
  });

  test('the proxy\'s upstream call gives this fetch its deadline as timeoutMs, and a miss is upstream_timeout', async () => {
    const config = resolveConfig({ loginId: 'l', password: 'p', apiUrl: base, fetch, log: () => {} });
    assert.deepEqual(await callKonnektive(config, '/slow', { a: 'b' }, 60), { ok: false, code: 'upstream_timeout', detail: 'no answer in 60 ms' });
    assert.equal(seen.at(-1)?.body, 'a=b&loginId=l&password=p');
    const answered = await callKonnektive(config, '/fast', {}, 1000);
    assert.equal(answered.ok, true);
  });

  test('an answer cut off is ResponseAborted; an unreachable host is a TypeError with its cause', async () => {
    await assert.rejects(fetch(`${base}/cut`, { method: 'POST', body: 'x' }), { name: 'ResponseAborted' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: 'x' }), (error: TypeError & { cause?: { code?: string } }) => error instanceof TypeError && error.cause?.code === 'ECONNREFUSED');
    await assert.rejects(fetch('ftp://127.0.0.1/', {}), TypeError);
  });
});
