import assert from 'node:assert/strict';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs script without declarations
import { sizes, syntaxProblem } from '../scripts/budget.mjs';

test('the syntax check passes ES2020 and fails anything newer', () => {
  assert.equal(syntaxProblem('const a = b?.c ?? 1; (async () => { for await (const x of y) {} })();'), undefined);
  for (const newer of ['a ??= b;', 'a ||= b;', 'const n = 1_000;', 'class A { x = 1 }', 'class A { #p; }', 'class A { static { } }', 'await x;']) {
    assert.ok(syntaxProblem(newer), `${newer} must be refused`);
  }
});

test('sizes are measured the way the budget is (gzip level 9)', () => {
  const repeated = 'kfunnel '.repeat(2000);
  const measured = sizes(repeated);
  assert.equal(measured.raw, 16000);
  assert.ok(measured.gzip < 200 && measured.brotli < 200);
});
