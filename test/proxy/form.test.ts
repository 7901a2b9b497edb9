import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formBody } from '../../src/proxy/form.js';

// formBody must write exactly what URLSearchParams writes: Konnektive gets the same bytes as before.
const urlSearchParams = (params: Record<string, string>) => new URLSearchParams(params).toString();

describe('formBody: Konnektive requests byte for byte as URLSearchParams writes them', () => {
  const values = [
    '',
    'plain',
    'A-Z_a.z*0-9',
    'two words',
    "!'()~",
    'a+b=c&d',
    '%41 already encoded',
    'https://shop.test/checkout?utm_source=fb&x=%E2%9C%93#top',
    'Müller Straße 5, Zürich',
    'emoji 😀 and 中文',
    'line\r\nbreak\ttab',
    'lone \ud800 surrogate',
    'trailing high \udbff',
    '\udc00 lone low first',
    '\u0000\u007f\u0080\uffff',
  ];
  test('every value of the table, as a name and as a value', () => {
    for (const value of values) {
      assert.equal(formBody({ field: value }), urlSearchParams({ field: value }), JSON.stringify(value));
      assert.equal(formBody({ [value]: 'v' }), urlSearchParams({ [value]: 'v' }), JSON.stringify(value));
    }
    const all = Object.fromEntries(values.map((value, i) => [`f${i}`, value]));
    assert.equal(formBody(all), urlSearchParams(all));
  });

  test('random strings over the whole UTF-16 range, surrogates included', () => {
    let seed = 42;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let run = 0; run < 2000; run++) {
      const length = Math.floor(next() * 12);
      let text = '';
      for (let i = 0; i < length; i++) {
        const pick = next();
        // Mostly ASCII (where the two encoders' rules differ), some BMP, some surrogate halves.
        const code = pick < 0.6 ? Math.floor(next() * 128) : pick < 0.85 ? Math.floor(next() * 0xffff) : 0xd800 + Math.floor(next() * 0x800);
        text += String.fromCharCode(code);
      }
      assert.equal(formBody({ k: text }), urlSearchParams({ k: text }), JSON.stringify(text));
    }
  });
});
