/** The proxy reads Konnektive's answers as `unknown`: odd shapes are absent fields, never a crash. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asAnswer, ordersOf, parseAnswer, readAnswer, summarize } from '../src/proxy/answer.js';

const EMPTY = { result: undefined, orderId: undefined, completed: false, sessionId: undefined };

test('summarize reads the order and session of a SUCCESS, and only of a SUCCESS', () => {
  const message = { orderId: 'ABC123DEF0', orderStatus: 'COMPLETE', sessionId: 'f'.repeat(32) };
  assert.deepEqual(summarize({ result: 'SUCCESS', message }), { result: 'SUCCESS', orderId: 'ABC123DEF0', completed: true, sessionId: 'f'.repeat(32) });
  assert.deepEqual(summarize({ result: 'ERROR', message }), { ...EMPTY, result: 'ERROR' });
  assert.deepEqual(summarize({ result: 'MERC_REDIRECT', message }), { ...EMPTY, result: 'MERC_REDIRECT' });
  assert.equal(summarize({ result: 'SUCCESS', message: { ...message, orderStatus: 'PARTIAL' } }).completed, false);
  // Konnektive sends some ids as numbers.
  assert.equal(summarize({ result: 'SUCCESS', message: { orderId: 1234 } }).orderId, '1234');
});

test('summarize takes any value without throwing', () => {
  for (const odd of [undefined, null, 0, 'SUCCESS', [], ['SUCCESS'], {}, { result: null }, { result: 'SUCCESS', message: null }, { result: 'SUCCESS', message: 'text' }]) {
    const summary = summarize(odd);
    assert.equal(summary.orderId, undefined, JSON.stringify(odd));
    assert.equal(summary.completed, false, JSON.stringify(odd));
  }
  assert.deepEqual(summarize({ result: 'SUCCESS', message: { orderId: { nested: 1 }, sessionId: true } }), { ...EMPTY, result: 'SUCCESS' });
});

test('readAnswer reads a recorded body; text that is not JSON reads as nothing', () => {
  assert.equal(readAnswer('{"result":"SUCCESS","message":{"orderId":"X1"}}').orderId, 'X1');
  assert.deepEqual(readAnswer('<html>502</html>'), EMPTY);
  assert.deepEqual(readAnswer('{"result":"SUC'), EMPTY);
});

test('an envelope is an object whose result is a string', () => {
  assert.deepEqual(parseAnswer('{"result":"ERROR","message":"Declined","extra":1}'), { result: 'ERROR', message: 'Declined' });
  for (const text of ['null', '[]', '"SUCCESS"', '{"result":1}', '{"message":"x"}', 'not json', '']) assert.equal(parseAnswer(text), undefined, text);
  assert.equal(asAnswer(null), undefined);
});

test('ordersOf keeps the objects in message.data and skips the rest', () => {
  const order = { orderId: 'A', orderStatus: 'COMPLETE' };
  assert.deepEqual(ordersOf({ result: 'SUCCESS', message: { totalResults: 3, data: [order, null, 'B', [1], 7] } }), [order]);
  assert.deepEqual(ordersOf({ result: 'SUCCESS', message: { data: 'none' } }), []);
  assert.deepEqual(ordersOf({ result: 'SUCCESS', message: 'No orders matching query' }), []);
});
