import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { createProxyHandler, kfunnelMiddleware, startProxyServer } from '../src/server/index.js';
import { SCRIPT_CACHE_CONTROL } from '../src/proxy/script-asset.js';
import { startServe } from '../src/server/serve.js';

const SITE = 'https://shop.test';
const LOGIN = { loginId: 'script-login', password: 'script-password' };
const FILES = { 'kfunnel.min.js': '/*! kfunnel test */console.log(1)\n//# sourceMappingURL=kfunnel.min.js.map', 'kfunnel.min.js.map': '{"version":3}', 'kfunnel.js': 'console.log("readable")' };
const noUpstream = (async () => {
  throw new Error('the script must not reach Konnektive');
}) as typeof fetch;
const closers: Array<() => Promise<void>> = [];
after(() => Promise.all(closers.map((close) => close())));

function handler(options: Record<string, unknown> = {}) {
  return createProxyHandler({ ...LOGIN, fetch: noUpstream, log: () => {}, ...options });
}

describe('the proxy serves the drop-in script', () => {
  test('fetch handler with the script option: 200 with ETag and caching, 304 on If-None-Match, HEAD without a body', async () => {
    const proxy = handler({ script: FILES });
    const first = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`));
    assert.equal(first.status, 200);
    assert.equal(await first.text(), FILES['kfunnel.min.js']);
    assert.equal(first.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(first.headers.get('cache-control'), SCRIPT_CACHE_CONTROL);
    assert.equal(first.headers.get('x-content-type-options'), 'nosniff');
    const etag = first.headers.get('etag') as string;
    assert.match(etag, /^"[\w-]{20,}"$/);

    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`, { headers: { 'if-none-match': ifNoneMatch } }));
      assert.equal(again.status, 304, ifNoneMatch);
      assert.equal(await again.text(), '');
      assert.equal(again.headers.get('etag'), etag);
    }
    const stale = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`, { headers: { 'if-none-match': '"stale"' } }));
    assert.equal(stale.status, 200);

    const head = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`, { method: 'HEAD' }));
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal(head.headers.get('etag'), etag);
  });

  test('the map and the readable build are served beside it; other names and methods are not scripts', async () => {
    const proxy = handler({ script: FILES });
    const map = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js.map`));
    assert.equal(map.status, 200);
    assert.equal(map.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.equal(await map.text(), FILES['kfunnel.min.js.map']);
    assert.equal(await (await proxy(new Request(`${SITE}/kfunnel/kfunnel.js`))).text(), FILES['kfunnel.js']);
    assert.notEqual((await proxy(new Request(`${SITE}/kfunnel/kfunnel.js`))).headers.get('etag'), (await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`))).headers.get('etag'));

    const missing = await proxy(new Request(`${SITE}/kfunnel/kfunnel.js.map`));
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).code, 'unknown_route');
    const other = await proxy(new Request(`${SITE}/kfunnel/other.js`));
    assert.equal(other.status, 404);
    const post = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`, { method: 'POST', headers: { origin: SITE, 'content-type': 'application/json' }, body: '{}' }));
    assert.notEqual(post.status, 200);
    assert.equal((await post.json()).result, 'ERROR');
  });

  test('a function source is asked per request, so a rebuilt script is served with a new ETag', async () => {
    let version = 'one';
    const proxy = handler({ script: () => ({ 'kfunnel.min.js': `/* ${version} */` }) });
    const first = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`));
    version = 'two';
    const second = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`, { headers: { 'if-none-match': first.headers.get('etag') as string } }));
    assert.equal(second.status, 200);
    assert.equal(await second.text(), '/* two */');
  });

  test('a custom base path serves it under that path', async () => {
    const proxy = handler({ script: FILES, basePath: '/shop-api/' });
    assert.equal((await proxy(new Request(`${SITE}/shop-api/kfunnel.min.js`))).status, 200);
    assert.equal((await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`))).status, 404);
  });

  test("on Node without the option, the package's own dist/kfunnel.min.js is served", async () => {
    const built = readFileSync('dist/kfunnel.min.js', 'utf8');
    const response = await handler()(new Request(`${SITE}/kfunnel/kfunnel.min.js`));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), built);
  });

  test('the edge build serves it from `kfunnel/script`, with no file system', async () => {
    const { createProxyHandler: edgeHandler } = await import('../dist/proxy-fetch.js' as string);
    const { default: script } = await import('../dist/script.js' as string);
    const proxy = edgeHandler({ ...LOGIN, fetch: noUpstream, log: () => {}, script });
    const response = await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js`));
    assert.equal(response.status, 200);
    assert.equal(await response.text(), readFileSync('dist/kfunnel.min.js', 'utf8'));
    assert.equal((await proxy(new Request(`${SITE}/kfunnel/kfunnel.min.js.map`))).status, 200);
  });

  test('`kfunnel proxy` (node:http) and the Connect middleware serve it, with 304s', async () => {
    const server = await startProxyServer({ ...LOGIN, fetch: noUpstream, log: () => {} });
    closers.push(server.close);
    const app = createServer((req, res) =>
      kfunnelMiddleware({ ...LOGIN, log: () => {} })(req, res, () => res.writeHead(418).end('next')),
    );
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => app.close(() => resolve())));
    const built = readFileSync('dist/kfunnel.min.js', 'utf8');
    for (const base of [server.url, `http://127.0.0.1:${(app.address() as AddressInfo).port}`]) {
      const response = await fetch(`${base}/kfunnel/kfunnel.min.js`);
      assert.equal(response.status, 200, base);
      assert.equal(await response.text(), built);
      const revalidated = await fetch(`${base}/kfunnel/kfunnel.min.js`, { headers: { 'if-none-match': response.headers.get('etag') as string } });
      assert.equal(revalidated.status, 304, base);
    }
  });

  test('`kfunnel serve` serves it under the base path and, for older pages, at the root', async () => {
    const serving = await startServe({ root: 'demo-landers', port: 0, scriptDir: 'dist', sandbox: true, proxy: { log: () => {} } });
    closers.push(serving.close);
    assert.equal(serving.scriptUrl, `${serving.url}/kfunnel/kfunnel.min.js`);
    const built = readFileSync('dist/kfunnel.min.js', 'utf8');
    for (const path of ['/kfunnel/kfunnel.min.js', '/kfunnel.min.js']) {
      const response = await fetch(`${serving.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), built);
      assert.ok(response.headers.get('etag'));
      assert.equal((await fetch(`${serving.url}${path}`, { headers: { 'if-none-match': response.headers.get('etag') as string } })).status, 304);
    }
    assert.equal((await fetch(`${serving.url}/kfunnel/kfunnel.min.js.map`)).status, 200);
    // demo-landers has no favicon file: the browser's automatic request gets No Content, not a 404.
    assert.equal((await fetch(`${serving.url}/favicon.ico`)).status, 204);
    assert.equal((await fetch(`${serving.url}/missing.ico`)).status, 404);
  });
});
