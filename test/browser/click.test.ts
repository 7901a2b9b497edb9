import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openPage, SCRIPT } from '../helpers/page.js';

const SID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

/** Every page type, as a page would declare it (or imply it by its forms). */
const PAGES: Array<[pageType: string, html: string]> = [
  ['presellPage', '<p>Story</p><a href="/lead.html">Next</a>'],
  ['leadPage', '<form data-kf-form="lead"></form>'],
  ['checkoutPage', '<form data-kf-form="order"></form>'],
  ['upsellPage1', '<form data-kf-form="upsale"></form>'],
  ['upsellPage2', '<body data-kf-page="upsell2"><form data-kf-form="upsale"></form></body>'],
  ['upsellPage3', '<body data-kf-page="upsell3"></body>'],
  ['upsellPage4', '<body data-kf-page="upsellPage4"></body>'],
  ['thankyouPage', '<body data-kf-page="thankyou"></body>'],
];

describe('Import Click payload on every page type', () => {
  for (const [pageType, html] of PAGES) {
    test(`${pageType}, first click of a visit: requestUri, userAgent, httpReferer`, async () => {
      const url = 'https://shop.test/page.html?affId=AbC1&c1=FaceBook';
      const page = await openPage(`${SCRIPT}${html}`, { url, referrer: 'https://www.facebook.com/' });
      assert.deepEqual(page.to('click').map((c) => c.body), [
        { pageType, requestUri: url, userAgent: page.win.navigator.userAgent, httpReferer: 'https://www.facebook.com/', campaignId: '3' },
      ]);
      assert.equal(page.cookie('kf_sid'), 'c'.repeat(32), 'the returned sessionId is kept');
      page.close();
    });
    test(`${pageType}, later click: sessionId instead of requestUri`, async () => {
      const page = await openPage(`${SCRIPT}${html}`, { cookies: { kf_sid: SID } });
      assert.deepEqual(page.to('click').map((c) => c.body), [{ pageType, sessionId: SID, campaignId: '3' }]);
      page.close();
    });
  }
});

describe('requestUri is the page URL exactly as the browser holds it', () => {
  const urls: Array<[string, string, Record<string, string>]> = [
    ['an encoded & inside a value', 'https://shop.test/?affId=AbC&c1=x%26y', { affId: 'AbC', c1: 'x&y' }],
    ['a + (space in a query)', 'https://shop.test/?c1=Fb+Ads', { c1: 'Fb Ads' }],
    ['an encoded %', 'https://shop.test/?c2=50%25off', { c2: '50%off' }],
    ['a typed space', 'https://shop.test/?c3=a b', { c3: 'a b' }],
    ['unicode', 'https://shop.test/?c4=café&c5=日本', { c4: 'café', c5: '日本' }],
    ['mixed case values and names', 'https://shop.test/?AffId=no&affId=MiXeD&utm_Source=FaceBook', { affId: 'MiXeD', utm_Source: 'FaceBook' }],
    ['a fragment', 'https://shop.test/p?affId=A1#offer', { affId: 'A1' }],
  ];
  for (const [name, url, values] of urls) {
    test(`${name}: one encoding end to end, values and case intact`, async () => {
      const page = await openPage(`${SCRIPT}<p></p>`, { url });
      const { requestUri } = page.to('click')[0].body;
      assert.equal(requestUri, page.win.location.href.split('#')[0], 'the address bar minus the fragment');
      // The proxy form-encodes it once; Konnektive decodes once and parses its query.
      const received = new URLSearchParams(new URLSearchParams({ requestUri }).toString()).get('requestUri') as string;
      assert.equal(received, requestUri);
      const query = new URL(received).searchParams;
      for (const [key, value] of Object.entries(values)) assert.equal(query.get(key), value, key);
      page.close();
    });
  }
});

describe('requestUri byte for byte; the address bar untouched without arrival parameters', () => {
  const urls = [
    'https://shop.test/?gclid',
    'https://shop.test/?c1=Fb+Ads&c2=a%2Bb&c3=a%20b',
    'https://shop.test/?c1=caf%E9&affId=AbC',
    'https://shop.test/?a=1;b=2&c=',
    'https://shop.test/?affId=A&affId=B&&x',
    'https://shop.test/p?affId=A1#offer?sessionId=x',
  ];
  for (const url of urls) {
    test(url, async () => {
      const page = await openPage(`${SCRIPT}<p></p>`, { url, referrer: '' });
      const { requestUri, httpReferer } = page.to('click')[0].body;
      assert.equal(requestUri, url.split('#')[0]);
      assert.equal(httpReferer, requestUri);
      assert.equal(page.win.location.href, url, 'the address bar is as it was');
      page.close();
    });
  }
});

describe('Import Click details', () => {
  test('httpReferer is the page itself when there is no referrer, so its UTMs reach Konnektive', async () => {
    const url = 'https://shop.test/?utm_source=fb&utm_campaign=Spring';
    const page = await openPage(`${SCRIPT}<p></p>`, { url, referrer: '' });
    assert.equal(page.to('click')[0].body.httpReferer, url);
    page.close();
  });

  test('fraudPixel=1 only on the checkout, only when data-kf-fraud-pixel is set', async () => {
    const tag = SCRIPT.replace('data-campaign-id', 'data-kf-fraud-pixel data-campaign-id');
    const checkout = await openPage(`${tag}<form data-kf-form="order"></form>`);
    assert.equal(checkout.to('click')[0].body.fraudPixel, '1');
    const lead = await openPage(`${tag}<form data-kf-form="lead"></form>`);
    assert.equal(lead.to('click')[0].body.fraudPixel, undefined);
    const plain = await openPage(`${SCRIPT}<form data-kf-form="order"></form>`);
    assert.equal(plain.to('click')[0].body.fraudPixel, undefined);
  });

  test('a sessionId handed over in the URL is adopted and removed from the address bar', async () => {
    const page = await openPage(`${SCRIPT}<p></p>`, { url: `https://checkout.shop.test/checkout.html?affId=A1&sessionId=${SID}#x` });
    assert.deepEqual(page.to('click')[0].body, { pageType: 'presellPage', sessionId: SID, campaignId: '3' });
    assert.equal(page.cookie('kf_sid'), SID);
    assert.equal(page.win.location.href, 'https://checkout.shop.test/checkout.html?affId=A1#x');
    page.close();
  });

  test('a hand-off grant (kf_h) goes with the click as KFunnel-Handoff, and leaves the address bar', async () => {
    const headers: Array<string | null> = [];
    const page = await openPage(`${SCRIPT}<p></p>`, {
      url: `https://checkout.shop.test/checkout.html?c1=Fb+Ads&sessionId=${SID}&kf_h=g.r%2Bant`,
      answers: { click: (body, calls) => ({ result: 'SUCCESS', message: { sessionId: body.sessionId } }) },
      onRequest: (request) => headers.push(request.headers.get('kfunnel-handoff')),
    });
    assert.deepEqual(headers, ['g.r+ant']);
    assert.equal(page.to('click')[0].body.sessionId, SID);
    assert.equal(page.win.location.href, 'https://checkout.shop.test/checkout.html?c1=Fb+Ads');
    page.close();
  });

  test('a lost click is sent again; the session event follows', async () => {
    let first = true;
    const page = await openPage(`${SCRIPT}<p></p>`, {
      answers: { click: () => (first ? ((first = false), 'network') : { result: 'SUCCESS', message: { sessionId: 'd'.repeat(32) } }) },
    });
    assert.equal(page.to('click').length, 2);
    assert.equal(page.cookie('kf_sid'), 'd'.repeat(32));
    assert.equal(page.events.find((e) => e.type === 'session')?.detail.sessionId, 'd'.repeat(32));
    page.close();
  });

  test('a session Konnektive refuses is replaced by a new one', async () => {
    const page = await openPage(`${SCRIPT}<p></p>`, {
      cookies: { kf_sid: SID },
      answers: { click: (body) => (body.sessionId ? { result: 'ERROR', message: 'Invalid sessionId' } : { result: 'SUCCESS', message: { sessionId: 'e'.repeat(32) } }) },
    });
    assert.deepEqual(page.to('click').map((c) => Boolean(c.body.sessionId)), [true, false]);
    assert.equal(page.cookie('kf_sid'), 'e'.repeat(32));
    page.close();
  });
});

describe('pixels: the HTML Import Click answers with', () => {
  const PIXEL = '<img src="https://px.test/i.gif" alt=""><script src="https://px.test/kount.js" data-x="1" async></script><script type="text/javascript">window.pixelRan = (window.pixelRan || 0) + 1</script>';
  const withPixel = (pixel: unknown) => ({ click: () => ({ result: 'SUCCESS', message: { sessionId: SID, pixel } }) });

  test('is injected once in a [data-kf-pixel] box before ready: images as HTML, each script made again so it runs', async () => {
    const page = await openPage(`${SCRIPT}<p></p>`, { answers: withPixel(PIXEL), runScripts: true });
    const boxes = page.doc.querySelectorAll('[data-kf-pixel]');
    assert.equal(boxes.length, 1);
    assert.equal(boxes[0].parentElement, page.doc.body);
    assert.equal(boxes[0].querySelector('img')?.getAttribute('src'), 'https://px.test/i.gif');
    const scripts = [...boxes[0].querySelectorAll('script')];
    assert.deepEqual(
      scripts.map((s) => [s.getAttribute('src'), s.getAttribute('data-x'), s.hasAttribute('async'), s.getAttribute('type'), s.textContent]),
      [
        ['https://px.test/kount.js', '1', true, null, ''],
        [null, null, false, 'text/javascript', 'window.pixelRan = (window.pixelRan || 0) + 1'],
      ],
    );
    // HTML insertion never runs a script (in happy-dom as in a browser); the script made again did, once.
    assert.equal((page.win as any).pixelRan, 1);
    page.close();
  });

  test('data-pixels="off" on the script tag: nothing injected, nothing run', async () => {
    const page = await openPage(`${SCRIPT.replace('data-campaign-id', 'data-pixels="off" data-campaign-id')}<p></p>`, { answers: withPixel(PIXEL), runScripts: true });
    assert.equal(page.events.some((e) => e.type === 'session'), true, 'the click was answered');
    assert.equal(page.doc.querySelector('[data-kf-pixel]'), null);
    assert.equal(page.doc.querySelector('img'), null);
    assert.equal((page.win as any).pixelRan, undefined);
    page.close();
  });

  for (const [name, pixel] of [['no pixel', undefined], ['a blank pixel', '  \n '], ['a number', 42], ['an object', { html: '<img src="https://px.test/i.gif">' }], ['null', null]] as const) {
    test(`${name}: nothing injected, the session still starts`, async () => {
      const page = await openPage(`${SCRIPT}<p></p>`, { answers: withPixel(pixel) });
      assert.equal(page.cookie('kf_sid'), SID);
      assert.equal(page.doc.querySelector('[data-kf-pixel]'), null);
      assert.equal(page.doc.body.children.length, 2, 'the page as it was: its script tag and paragraph');
      page.close();
    });
  }

  test('a second call does not inject twice', async () => {
    const { Window } = await import('happy-dom');
    const { injectPixel } = await import('../../src/browser/pixels.js');
    const win = new Window({ url: 'https://shop.test/' });
    const doc = win.document as unknown as Document;
    injectPixel(doc, '<img src="https://px.test/a.gif">');
    injectPixel(doc, '<img src="https://px.test/b.gif">');
    assert.equal(doc.querySelectorAll('[data-kf-pixel]').length, 1);
    assert.deepEqual([...doc.querySelectorAll('img')].map((img) => img.getAttribute('src')), ['https://px.test/a.gif']);
    await win.happyDOM.close();
  });

  test('the tag pasted twice: one click, one pixel', async () => {
    const page = await openPage(`${SCRIPT}${SCRIPT}<p></p>`, { answers: withPixel(PIXEL), runScripts: true });
    assert.equal(page.start(), page.api, 'a second start hands back the running script, starting nothing');
    assert.equal(page.to('click').length, 1);
    assert.equal(page.doc.querySelectorAll('[data-kf-pixel]').length, 1);
    assert.equal((page.win as any).pixelRan, 1);
    page.close();
  });

  test('a session refused and replaced: the pixel of the click that succeeded is injected, once', async () => {
    const page = await openPage(`${SCRIPT}<p></p>`, {
      cookies: { kf_sid: 'e'.repeat(32) },
      answers: { click: (body) => (body.sessionId ? { result: 'ERROR', message: 'Invalid sessionId' } : { result: 'SUCCESS', message: { sessionId: SID, pixel: '<img src="https://px.test/new.gif">' } }) },
    });
    assert.equal(page.to('click').length, 2);
    assert.deepEqual([...page.doc.querySelectorAll('[data-kf-pixel] img')].map((img) => img.getAttribute('src')), ['https://px.test/new.gif']);
    page.close();
  });
});
