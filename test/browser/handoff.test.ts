import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPage, SCRIPT } from '../helpers/page.js';

const SID = 'c'.repeat(32);

/** A page whose proxy answers carry a hand-off grant, as the proxy does once the visitor holds a session. */
/** The proxy's grants are `payload.signature`, both base64url. */
const GRANT = 'WyJoIiwiYyJd.x-Y_z0';
const withGrant = (html = `${SCRIPT}<a id="go" href="https://checkout.other.test/checkout.html?affId=A1#top" data-kf-handoff>Checkout</a>`) =>
  openPage(html, { responseHeaders: { 'KFunnel-Handoff': GRANT } });

const rows: Array<[string, string]> = [
  ['https://b.test/checkout.html', `https://b.test/checkout.html?sessionId=${SID}&kf_h=${GRANT}`],
  ['https://b.test/c.html?affId=A1&c1=Fb+Ads', `https://b.test/c.html?affId=A1&c1=Fb+Ads&sessionId=${SID}&kf_h=${GRANT}`],
  ['https://b.test/c.html?x#top?y', `https://b.test/c.html?x&sessionId=${SID}&kf_h=${GRANT}#top?y`],
  ['/checkout.html', `/checkout.html?sessionId=${SID}&kf_h=${GRANT}`],
  ['https://b.test/c.html?a=1&sessionId=other', 'https://b.test/c.html?a=1&sessionId=other'],
];

for (const [url, expected] of rows) {
  test(`kfunnel.link(${url})`, async () => {
    const page = await withGrant();
    assert.equal((page.win as any).kfunnel.link(url), expected);
    page.close();
  });
}

test('link() without a session returns the url as it was', async () => {
  const page = await openPage(`${SCRIPT}<p></p>`, { answers: { click: () => 'network' }, boot: false });
  page.start();
  await new Promise((resolve) => page.doc.addEventListener('kfunnel:ready', resolve));
  assert.equal((page.win as any).kfunnel.link('https://b.test/x?a=1'), 'https://b.test/x?a=1');
  page.close();
});

test('a data-kf-handoff link gets the parameters at click time, once however often it is clicked', async () => {
  const page = await withGrant();
  const link = page.doc.getElementById('go') as any;
  link.addEventListener('click', (event: Event) => event.preventDefault()); // stay on the page to click again
  link.click();
  link.click();
  assert.equal(link.getAttribute('href'), `https://checkout.other.test/checkout.html?affId=A1&sessionId=${SID}&kf_h=${GRANT}#top`);
  page.close();
});
