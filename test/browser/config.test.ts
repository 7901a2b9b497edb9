import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import { DEFAULTS, readConfig } from '../../src/browser/config.js';

function configFor(attributes: string, url = 'https://shop.test/funnel/checkout.html') {
  const win = new Window({ url });
  win.document.body.innerHTML = `<script src="https://cdn.jsdelivr.net/npm/kfunnel@1/dist/kfunnel.min.js" ${attributes}></script>`;
  return readConfig(win.document.querySelector('script') as unknown as Element, win.document as unknown as Document);
}

const rows: Array<[attributes: string, expected: Partial<ReturnType<typeof readConfig>>]> = [
  ['', { campaignId: undefined, endpoint: 'https://shop.test/kfunnel', page: undefined, debug: false, cookieDomain: undefined, fraudPixel: false }],
  ['data-campaign-id="3"', { campaignId: '3' }],
  ['data-endpoint="/api/kf/"', { endpoint: 'https://shop.test/api/kf' }],
  ['data-endpoint="kf"', { endpoint: 'https://shop.test/funnel/kf' }],
  ['data-endpoint="https://proxy.shop.test/kfunnel"', { endpoint: 'https://proxy.shop.test/kfunnel' }],
  ['data-page="upsell2"', { page: 'upsell2' }],
  ['data-debug', { debug: true }],
  ['data-debug="true"', { debug: true }],
  ['data-debug="false"', { debug: false }],
  ['data-debug="0"', { debug: false }],
  ['data-cookie-domain=".shop.test"', { cookieDomain: '.shop.test' }],
  ['data-kf-fraud-pixel', { fraudPixel: true }],
  ['', { pixels: true, analytics: true, currency: 'USD' }],
  ['data-pixels="off"', { pixels: false }],
  ['data-pixels="on"', { pixels: true }],
  ['data-analytics="off"', { analytics: false }],
  ['data-analytics', { analytics: true }],
  ['data-currency="EUR"', { currency: 'EUR' }],
  ['data-currency=""', { currency: 'USD' }],
];

for (const [attributes, expected] of rows) {
  test(`reads <script ${attributes || '(no attributes)'}> as ${JSON.stringify(expected)}`, () => {
    const config = configFor(attributes);
    for (const [key, value] of Object.entries(expected)) assert.equal(config[key as keyof typeof config], value, key);
  });
}

test('the endpoint resolves against the page, never the script (CDN) origin', () => {
  assert.equal(configFor('').endpoint.startsWith('https://shop.test/'), true);
  assert.equal(configFor('', 'http://localhost:8080/checkout.html').endpoint, 'http://localhost:8080/kfunnel');
});

test('without a script element (injected in a module), everything is a default', () => {
  const win = new Window({ url: 'https://shop.test/a/b.html' });
  const config = readConfig(null, win.document as unknown as Document);
  assert.equal(config.endpoint, `https://shop.test${DEFAULTS.endpoint}`);
  assert.equal(config.debug, false);
});
