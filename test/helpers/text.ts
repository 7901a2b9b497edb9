import assert from 'node:assert/strict';

/** The first group of `pattern` in `text`; fails the test, showing the text, when it is not there. */
export function capture(text: string, pattern: RegExp): string {
  const value = text.match(pattern)?.[1];
  assert.ok(value !== undefined, `${pattern} not found in: ${text.slice(0, 300)}`);
  return value;
}
