import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { abortable, konnektive, recordingUpstream } from '../helpers/upstream.js';
import { json, proxy, request } from './helpers.js';

describe('proxy: upstream failures', () => {
  const rows: Array<[name: string, script: Parameters<typeof recordingUpstream>[0], status: number, code: string]> = [
    ['connection refused', () => Promise.reject(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })), 502, 'upstream_unreachable'],
    ['HTTP 500', () => new Response('Internal Server Error', { status: 500 }), 502, 'upstream_error'],
    ['HTTP 502 with HTML', () => new Response('<html><h1>502 Bad Gateway</h1></html>', { status: 502, headers: { 'content-type': 'text/html' } }), 502, 'upstream_error'],
    ['HTML with 200', () => new Response('<html>maintenance</html>', { status: 200 }), 502, 'upstream_bad_response'],
    ['truncated JSON', () => new Response('{"result":"SUCC', { status: 200 }), 502, 'upstream_bad_response'],
    ['JSON without result', () => new Response('{"ok":true}', { status: 200 }), 502, 'upstream_bad_response'],
    [
      'reset mid-answer',
      () => new Response(new ReadableStream({ pull: (c) => (c.enqueue(new TextEncoder().encode('{"result":')), c.error(new Error('ECONNRESET'))) }), { status: 200 }),
      502,
      'upstream_bad_response',
    ],
    ['no answer in time', (_call, signal) => abortable(signal, 5000, () => konnektive('SUCCESS', {})), 504, 'upstream_timeout'],
  ];
  for (const [name, script, status, code] of rows) {
    test(`${name} -> ${status} ${code}, no upstream internals`, async () => {
      const upstream = recordingUpstream(script);
      const { body } = await json(await proxy(upstream, { timeoutMs: 100 })(request('click', { body: { pageType: 'presellPage' } })));
      assert.equal(body.code, code);
      assert.doesNotMatch(body.message, /ECONN|fetch failed|konnektive\.test|Bad Gateway|maintenance/);
      assert.equal(upstream.calls.length, 1);
    });
  }
});
