import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from 'happy-dom';
import { clearErrors, showErrors } from '../../src/browser/errors-ui.js';

function form(html: string) {
  const win = new Window({ url: 'https://shop.test/' });
  win.document.body.innerHTML = `<form>${html}</form>`;
  return { doc: win.document, form: win.document.querySelector('form') as unknown as HTMLFormElement };
}

test('marks fields, describes them, keeps their own descriptions, and focuses the first', () => {
  const { doc, form: f } = form('<input name="a" aria-describedby="hint-a"><span id="hint-a">hint</span><input name="b">');
  showErrors(f, [{ name: 'b', text: 'B is wrong' }, { name: 'a', text: 'A is wrong' }], 'Fix it.');
  const a = doc.querySelector('[name=a]')!;
  const b = doc.querySelector('[name=b]')!;
  assert.equal(b.getAttribute('aria-invalid'), 'true');
  assert.equal(doc.getElementById(b.getAttribute('aria-describedby')!)!.textContent, 'B is wrong');
  const [hint, note] = a.getAttribute('aria-describedby')!.split(' ');
  assert.equal(hint, 'hint-a');
  assert.equal(doc.getElementById(note)!.textContent, 'A is wrong');
  assert.equal(doc.activeElement, b, 'the first error listed is focused');
  clearErrors(f);
  assert.equal(a.getAttribute('aria-describedby'), 'hint-a');
  assert.equal(b.getAttribute('aria-describedby'), null);
  assert.equal(doc.querySelectorAll('[aria-invalid]').length, 0);
  assert.equal(doc.querySelectorAll('.kf-field-error').length, 0);
});

test("uses the page's [data-kf-errors], or creates one as the form's first child", () => {
  const own = form('<div data-kf-errors class="mine"></div><input name="a">');
  showErrors(own.form, [], 'Summary.');
  assert.equal(own.doc.querySelectorAll('[data-kf-errors]').length, 1);
  assert.equal(own.doc.querySelector('.mine')!.textContent, 'Summary.');
  const made = form('<input name="a">');
  showErrors(made.form, [], 'Summary.');
  const region = made.form.firstElementChild!;
  assert.equal(region.getAttribute('data-kf-errors'), '');
  assert.equal(region.getAttribute('role'), 'alert');
  assert.equal(region.getAttribute('aria-live'), 'assertive');
  assert.equal(made.doc.activeElement, region, 'with no field to focus, the summary takes focus');
  clearErrors(made.form);
  assert.equal((region as HTMLElement).hidden, true);
  assert.equal(region.textContent, '');
});

test('a radio group is marked as one: every radio invalid, one note after the last', () => {
  const { doc, form: f } = form('<input type="radio" name="p" value="1"><input type="radio" name="p" value="2"><button>Go</button>');
  showErrors(f, [{ name: 'p', text: 'Choose one' }], 'Fix it.');
  const radios = [...doc.querySelectorAll('[name=p]')];
  assert.ok(radios.every((r) => r.getAttribute('aria-invalid') === 'true'));
  assert.equal(radios[1].nextElementSibling!.textContent, 'Choose one');
  assert.equal(doc.querySelectorAll('.kf-field-error').length, 1);
});

test('a control wrapped in a label gets its note after the label, not inside it', () => {
  const { doc, form: f } = form('<label class="card"><input type="radio" name="p" value="1"> One</label><label class="card"><input type="radio" name="p" value="2"> Two</label>');
  showErrors(f, [{ name: 'p', text: 'Choose one' }], 'Fix it.');
  const note = doc.querySelector('.kf-field-error')!;
  assert.equal(note.parentElement!.tagName, 'FORM');
  assert.equal(note.previousElementSibling!.textContent!.trim(), 'Two');
});

test('text is text: markup in a message is never parsed', () => {
  const { doc, form: f } = form('<input name="a">');
  showErrors(f, [{ name: 'a', text: '<img src=x onerror=alert(1)>' }], '<b>bold</b>');
  assert.equal(doc.querySelectorAll('img, b').length, 0);
  assert.equal(doc.querySelector('.kf-field-error')!.textContent, '<img src=x onerror=alert(1)>');
});

test('next: a Continue link follows the summary, focus stays on the summary, and it goes with the errors', async () => {
  const { messages } = await import('../../src/browser/messages.js');
  const { doc, form: f } = form('<input type="hidden" name="productId" value="7"><button>Yes</button>');
  showErrors(f, [], 'Not added.', 'https://shop.test/upsell2.html');
  const region = doc.querySelector('[data-kf-errors]')!;
  const links = region.querySelectorAll('a');
  assert.equal(links.length, 1);
  assert.equal(links[0].getAttribute('href'), 'https://shop.test/upsell2.html');
  assert.equal(links[0].textContent, messages.continue);
  assert.equal(region.textContent, `Not added. ${messages.continue}`);
  assert.equal(doc.activeElement, region);
  showErrors(f, [], 'Not added.', 'https://shop.test/upsell2.html');
  assert.equal(region.querySelectorAll('a').length, 1, 'shown again, still one link');
  clearErrors(f);
  assert.equal(region.querySelector('a'), null);
  showErrors(f, [], 'Other.');
  assert.equal(region.querySelector('a'), null, 'no next, no link');
});
