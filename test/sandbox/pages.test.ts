import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSandbox } from '../../src/sandbox/index.js';
import { ORIGIN, AUTH, call, CUSTOMER, session, lead, completeOrder, ask } from './helpers.js';

describe('sandbox: inspector, state, reset and faults', () => {
  test('the inspector lists a session with its click, lead, order and upsale', async () => {
    const sandbox = createSandbox(AUTH);
    const { orderId, sessionId } = await completeOrder(sandbox);
    await call(sandbox, '/upsale/import/', { orderId, sessionId, productId: '10' });
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/`))).text();
    for (const text of [sessionId, orderId, 'presellPage', 'affId=AbC1', 'Driftwell Silk Night Mask', 'COMPLETE', 'src="/_sandbox/inspector.js"']) {
      assert.ok(html.includes(text), `inspector shows ${text}`);
    }
  });

  test('the inspector escapes what visitors typed', async () => {
    const sandbox = createSandbox(AUTH);
    await call(sandbox, '/leads/import/', { campaignId: '3', firstName: '<script>x</script>', lastName: 'B', emailAddress: 'a@b.co' });
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/`))).text();
    assert.ok(!html.includes('<script>x</script>'));
    assert.ok(html.includes('&#60;script&#62;'));
  });

  test('/_sandbox/state is newest first; /_sandbox/reset empties it', async () => {
    const sandbox = createSandbox(AUTH);
    const first = await session(sandbox);
    const second = await session(sandbox);
    const state = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/state`))).json();
    assert.deepEqual(state.sessions.map((s: any) => s.sessionId), [second, first]);
    assert.equal(state.calls[0].endpoint, 'click');
    await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/reset`, { method: 'POST' }));
    const empty = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/state`))).json();
    assert.deepEqual(empty, { sessions: [], orders: [], calls: [], pixels: [] });
  });

  const faults: Array<[string, Record<string, unknown>, (r: Response) => Promise<void>, boolean]> = [
    ['http500', { mode: 'http500' }, async (r) => assert.equal(r.status, 500), false],
    ['http502', { mode: 'http502' }, async (r) => assert.match(await r.text(), /502 Bad Gateway/), false],
    ['truncated', { mode: 'truncated' }, async (r) => void (await assert.rejects(r.json())), true],
    ['reset', { mode: 'reset' }, async (r) => void (await assert.rejects(r.text())), true],
    ['timeout', { mode: 'timeout', delayMs: 50 }, async (r) => assert.equal((await r.json()).result, 'SUCCESS'), true],
  ];
  for (const [name, fault, check, processed] of faults) {
    test(`fault ${name}: ${processed ? 'processed, answer lost' : 'not processed'}, then clears`, async () => {
      const sandbox = createSandbox(AUTH);
      const set = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/faults`, { method: 'POST', body: JSON.stringify({ ...fault, endpoints: ['lead'], times: 1 }) }));
      assert.equal(set.status, 200);
      const response = await sandbox.fetch(new Request(`${ORIGIN}/leads/import/`, { method: 'POST', body: new URLSearchParams({ ...AUTH, campaignId: '3', ...CUSTOMER }) }));
      await check(response);
      assert.equal(sandbox.state().orders.length, processed ? 1 : 0);
      await lead(sandbox); // times: 1, so the next call is normal
    });
  }

  test('a bad fault is refused with a reason', async () => {
    const response = await createSandbox(AUTH).fetch(new Request(`${ORIGIN}/_sandbox/faults`, { method: 'POST', body: '{"mode":"explode"}' }));
    assert.equal(response.status, 400);
    assert.match((await response.json()).message, /mode must be one of/);
  });
});

describe('sandbox: inspector pages', () => {
  test('the inspector updates itself from /_sandbox/live (no meta refresh), has a favicon, and ?refresh=0 stops it', async () => {
    const sandbox = createSandbox(AUTH);
    const html = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox`))).text();
    assert.ok(!html.includes('http-equiv="refresh"'));
    assert.ok(html.includes('<link rel="icon" href="data:,">'));
    assert.ok(html.includes('<main id="live" data-refresh="on">'));
    assert.ok((await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox?refresh=0`))).text()).includes('data-refresh="off"'));
    const script = await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/inspector.js`));
    assert.equal(script.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await script.text(), /fetch\('\/_sandbox\/live'/);
    await ask(sandbox, '/landers/clicks/import/', { campaignId: '3', pageType: 'presellPage', requestUri: 'https://shop.test/?affId=LIVE1' });
    const live = await (await sandbox.fetch(new Request(`${ORIGIN}/_sandbox/live`))).text();
    assert.ok(live.includes('affId=LIVE1'));
    assert.ok(!live.includes('<html'), 'only the live part');
  });
});
