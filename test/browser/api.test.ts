import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boot } from '../../src/browser/boot.js';
import { CHECKOUT_FIELDS, GOOD_ORDER, openPage, SCRIPT, waitFor } from '../helpers/page.js';

function captureConsole() {
  const lines: unknown[][] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error };
  for (const level of ['log', 'warn', 'error'] as const) console[level] = (...args: unknown[]) => lines.push(args);
  return { lines, restore: () => Object.assign(console, saved) };
}

test('window.kfunnel: version, pageType, ready, ids', async () => {
  const page = await openPage(`${SCRIPT}<form data-kf-form="order"></form>`, { cookies: { kf_oid: 'ABCDE12345' } });
  const api = (page.win as any).kfunnel;
  assert.equal(typeof api.version, 'string');
  assert.equal(api.pageType, 'checkoutPage');
  assert.equal(api.ready, true);
  assert.equal(api.sessionId(), 'c'.repeat(32));
  assert.equal(api.orderId(), 'ABCDE12345');
  assert.deepEqual(page.events.find((e) => e.type === 'ready')!.detail, { pageType: 'checkoutPage', sessionId: 'c'.repeat(32) });
  page.close();
});

test('calls queued before the script loaded are replayed; later pushes run at once', async () => {
  const seen: string[] = [];
  const queue = [(k: any) => seen.push(`first ${k.version}`), (k: any) => k.on('session', (e: CustomEvent) => seen.push(`session ${e.detail.sessionId.length}`))];
  const page = await openPage(`${SCRIPT}<p></p>`, { queue });
  assert.deepEqual(seen.slice(0, 2), [`first ${(page.win as any).kfunnel.version}`, 'session 32']);
  (page.win as any).kfunnel.push(() => seen.push('later'));
  assert.equal(seen.at(-1), 'later');
  page.close();
});

test("a throwing listener never breaks the funnel; the browser reports it as the page's own error", async () => {
  const output = captureConsole();
  try {
    const page = await openPage(`${SCRIPT}<form data-kf-form="order" data-kf-next="/upsell1.html">${CHECKOUT_FIELDS}</form>`, {
      queue: [(k: any) => k.on('kfunnel:success', () => { throw new Error('listener bug'); })],
    });
    const reported: string[] = [];
    page.win.addEventListener('error', (event: any) => reported.push(event.error?.message ?? event.message));
    page.doc.addEventListener('kfunnel:before-submit', () => { throw new Error('raw listener bug'); });
    page.fill(GOOD_ORDER);
    page.submit();
    await waitFor(() => page.navigations.length > 0);
    assert.deepEqual(page.navigations, ['https://shop.test/upsell1.html']);
    assert.deepEqual(reported.sort(), ['listener bug', 'raw listener bug']);
    page.close();
  } finally {
    output.restore();
  }
});

test('pasted twice: one start, one click', async () => {
  const page = await openPage(`${SCRIPT}${SCRIPT}<p></p>`);
  const again = page.start();
  assert.equal(again, (page.win as any).kfunnel);
  await page.settle();
  assert.equal(page.to('click').length, 1);
  page.close();
});

test('kfunnel.submit(form) submits like the visitor would', async () => {
  const page = await openPage(`${SCRIPT}<form data-kf-form="lead"><input name="firstName" value="A"><input name="lastName" value="B"><input name="emailAddress" value="a@b.co"></form>`);
  assert.equal(await (page.win as any).kfunnel.submit(page.doc.querySelector('form')), true);
  assert.equal(page.to('lead').at(-1)!.body.firstName, 'A');
  page.close();
});

test('kfunnel.messages: a page rewords any message', async () => {
  const page = await openPage(`${SCRIPT}<form data-kf-form="lead"><input name="firstName" required></form>`);
  (page.win as any).kfunnel.messages.required = 'Pflichtfeld.';
  page.submit();
  await page.settle();
  assert.equal(page.doc.querySelector('.kf-field-error')!.textContent, 'Pflichtfeld.');
  page.close();
});

test('never throws into the page: a broken setup logs one [kfunnel] line', async () => {
  const output = captureConsole();
  try {
    const page = await openPage('<p></p>', { boot: false });
    const script = page.doc.createElement('script');
    script.setAttribute('data-endpoint', 'http://[broken');
    assert.doesNotThrow(() => boot({ win: page.win as any, script: script as any }));
    assert.equal(output.lines[0][0], '[kfunnel]');
    page.close();
  } finally {
    output.restore();
  }
});

test('data-debug logs each step, every line prefixed', async () => {
  const output = captureConsole();
  try {
    const page = await openPage(`${SCRIPT.replace('<script', '<script data-debug')}<p></p>`);
    assert.ok(output.lines.length > 0);
    assert.ok(output.lines.every((args) => args[0] === '[kfunnel]'));
    assert.ok(output.lines.some((args) => args[1] === 'session'));
    page.close();
  } finally {
    output.restore();
  }
});
