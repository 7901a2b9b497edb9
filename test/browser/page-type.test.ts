import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import { detectPageType } from '../../src/browser/page-type.js';
import { PAGE_TYPES } from '../../src/shared/konnektive.js';

function detect(declared: string | undefined, html: string, htmlAttribute?: string) {
  const win = new Window({ url: 'https://shop.test/' });
  if (htmlAttribute) win.document.documentElement.setAttribute('data-kf-page', htmlAttribute);
  const body = html.match(/^<body([^>]*)>/);
  if (body) for (const [, name, value] of body[1].matchAll(/([\w-]+)="([^"]*)"/g)) win.document.body.setAttribute(name, value);
  win.document.body.innerHTML = html.replace(/^<body[^>]*>/, '');
  return detectPageType(declared, win.document as unknown as Document);
}

const rows: Array<[string, string | undefined, string, string | undefined, string | undefined]> = [
  ['nothing on the page', undefined, '<p>hi</p>', undefined, 'presellPage'],
  ['an order form', undefined, '<form data-kf-form="order"></form>', undefined, 'checkoutPage'],
  ['a lead form', undefined, '<form data-kf-form="lead"></form>', undefined, 'leadPage'],
  ['an upsale form', undefined, '<form data-kf-form="upsale"></form>', undefined, 'upsellPage1'],
  ['order beats lead', undefined, '<form data-kf-form="lead"></form><form data-kf-form="order"></form>', undefined, 'checkoutPage'],
  ['data-kf-page on body beats the forms', undefined, '<body data-kf-page="upsell3"><form data-kf-form="upsale"></form>', undefined, 'upsellPage3'],
  ['data-kf-page on html', undefined, '<p></p>', 'thankyou', 'thankyouPage'],
  ['body beats html', undefined, '<body data-kf-page="lead">', 'thankyou', 'leadPage'],
  ['the script tag beats everything', 'checkout', '<body data-kf-page="lead"><form data-kf-form="upsale"></form>', 'thankyou', 'checkoutPage'],
  ['upsell means upsell1', 'upsell', '', undefined, 'upsellPage1'],
  ['whitespace around the name', ' upsell4 ', '', undefined, 'upsellPage4'],
  ['an unknown name', 'home', '<form data-kf-form="order"></form>', undefined, undefined],
  ['upsell5', 'upsell5', '', undefined, undefined],
  ['upsellPage without a number', 'upsellPage', '', undefined, undefined],
];

for (const [name, declared, html, htmlAttribute, expected] of rows) {
  test(`page type: ${name} -> ${expected}`, () => {
    const errors: unknown[][] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      assert.equal(detect(declared, html, htmlAttribute), expected);
    } finally {
      console.error = original;
    }
    if (expected) assert.equal(errors.length, 0);
    else {
      assert.equal(errors[0][0], '[kfunnel]');
      for (const type of PAGE_TYPES) assert.match(String(errors[0][1]), new RegExp(type));
      assert.match(String(errors[0][1]), /unknown page type/);
    }
  });
}

for (const type of PAGE_TYPES) {
  test(`Konnektive's own name ${type} is accepted`, () => assert.equal(detect(type, ''), type));
  const short = type.replace('Page', '').replace(/^upsell(\d)$/, 'upsell$1');
  test(`short name ${short} means ${type}`, () => assert.equal(detect(short, ''), type));
}
