import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

test('every package export and its types exist after the build', () => {
  for (const [name, target] of Object.entries<any>(pkg.exports)) {
    for (const file of typeof target === 'string' ? [target] : Object.values<string>(target)) assert.ok(existsSync(file), `${name} -> ${file}`);
  }
});

for (const [entry, file] of [['kfunnel/proxy/fetch', 'proxy-fetch.js'], ['kfunnel/proxy/cloudflare', 'proxy-cloudflare.js']] as const) test(`${entry} imports nothing from Node, so edge runtimes can load it`, () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(`dist/${file}`, 'utf8');
    assert.doesNotMatch(code, /from\s*["']node:|require\(["']node:|from\s*["'](http|https|net|fs|stream)["']/, `${file} imports a Node module`);
    for (const [, next = ''] of code.matchAll(/from\s*"\.\/([^"]+)"/g)) walk(next);
  };
  walk(file);
  assert.ok(seen.size > 1);
});

test('kfunnel/proxy/fetch works as a bare fetch handler', async () => {
  const { createProxyHandler } = await import('../dist/proxy-fetch.js' as string);
  const handler = createProxyHandler({
    loginId: 'l',
    password: 'p',
    log: () => {},
    fetch: async () => new Response('{"result":"SUCCESS","message":{"sessionId":"x"}}'),
  });
  const response = await handler(new Request('https://shop.test/kfunnel/click', { method: 'POST', headers: { origin: 'https://shop.test', 'content-type': 'application/json' }, body: '{"pageType":"presellPage"}' }));
  assert.equal((await response.json()).result, 'SUCCESS');
});

test('the old types path of kfunnel/proxy (dist/types/proxy/index.d.ts, before the Node entry moved to src/server/) still declares the whole entry', () => {
  const old = readFileSync('dist/types/proxy/index.d.ts', 'utf8');
  const [, target] = old.match(/export \* from '([^']+)'/) ?? [];
  assert.ok(target, old);
  const declared = readFileSync(new URL(target.replace(/\.js$/, '.d.ts'), new URL('../dist/types/proxy/index.d.ts', import.meta.url)), 'utf8');
  for (const name of ['createProxyHandler', 'kfunnelMiddleware', 'startProxyServer', 'RedisStore', 'MemoryStore']) assert.match(declared, new RegExp(`\\b${name}\\b`), name);
});
