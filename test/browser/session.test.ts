import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import { COOKIES, createSession } from '../../src/browser/session.js';
import { DEFAULTS } from '../../src/browser/config.js';

/** The strings js-cookie writes to document.cookie, attributes included (reading a cookie back drops them). */
function written(protocol: string, cookieDomain?: string) {
  const win = new Window({ url: `${protocol}//shop.test/` });
  const writes: string[] = [];
  Object.defineProperty(win.document, 'cookie', { configurable: true, get: () => '', set: (value: string) => void writes.push(value) });
  Object.assign(globalThis, { document: win.document });
  const session = createSession({ cookieDomain }, protocol);
  return { session, writes };
}

const rows: Array<[string, string | undefined, string[], string[]]> = [
  ['http:', undefined, ['path=/', 'sameSite=Lax'], ['secure', 'domain=']],
  ['https:', undefined, ['path=/', 'sameSite=Lax', 'secure'], ['domain=']],
  ['https:', '.shop.test', ['path=/', 'sameSite=Lax', 'secure', 'domain=.shop.test'], []],
];
for (const [protocol, domain, present, absent] of rows) {
  test(`cookie attributes on ${protocol}${domain ? ` with data-cookie-domain=${domain}` : ''}`, () => {
    const { session, writes } = written(protocol, domain);
    session.set('sessionId', 'a'.repeat(32));
    session.set('orderId', 'ABCDE12345');
    assert.equal(writes.length, 2);
    assert.match(writes[0], /^kf_sid=a{32};/);
    assert.match(writes[1], /^kf_oid=ABCDE12345;/);
    for (const line of writes) {
      for (const attribute of present) assert.ok(line.includes(`; ${attribute}`), `${line} has ${attribute}`);
      for (const attribute of absent) assert.ok(!line.includes(`; ${attribute}`), `${line} lacks ${attribute}`);
      const expires = Date.parse(line.match(/expires=([^;]+)/)?.[1] ?? '');
      const days = (expires - Date.now()) / 86_400_000;
      assert.ok(Math.abs(days - DEFAULTS.cookieDays) < 0.01, `lifetime ${days} days`);
    }
  });
}

test('only well-formed ids are written', () => {
  const { session, writes } = written('https:');
  for (const bad of ['', '<script>', 'a; domain=evil.test', 'a b', 'a'.repeat(65), undefined, 42, { orderId: 1 }]) {
    session.set('sessionId', bad);
    session.set('orderId', bad);
  }
  session.set('sessionId', 'short'); // sessionIds are 8 to 64 characters
  session.set('orderId', 'A'.repeat(31)); // orderIds at most 30
  assert.deepEqual(writes, []);
});

test('clearing uses the same attributes, so the cookie really goes', () => {
  const { session, writes } = written('https:', '.shop.test');
  session.clear('orderId');
  assert.match(writes[0], /^kf_oid=;/);
  assert.ok(writes[0].includes('domain=.shop.test') && writes[0].includes('path=/'));
  assert.ok(Date.parse(writes[0].match(/expires=([^;]+)/)?.[1] ?? '') < Date.now());
});

test('the two cookies are kf_sid and kf_oid, nothing else', () => {
  assert.deepEqual(Object.values(COOKIES).map(([name]) => name), ['kf_sid', 'kf_oid']);
});

test('a cookie the proxy already set to the value is not written again (its server-set lifetime stays)', () => {
  const win = new Window({ url: 'https://shop.test/' });
  let jar = 'kf_sid=' + 'a'.repeat(32);
  const writes: string[] = [];
  Object.defineProperty(win.document, 'cookie', { configurable: true, get: () => jar, set: (value: string) => void writes.push(value) });
  Object.assign(globalThis, { document: win.document });
  const session = createSession({}, 'https:');
  session.set('sessionId', 'a'.repeat(32));
  assert.deepEqual(writes, [], 'the proxy set it: nothing written');
  session.set('sessionId', 'b'.repeat(32));
  session.set('orderId', 'ABCDE12345');
  assert.deepEqual(writes.map((w: string) => w.split(';')[0]), [`kf_sid=${'b'.repeat(32)}`, 'kf_oid=ABCDE12345'], 'a different or missing value is written');
  jar = '';
});
