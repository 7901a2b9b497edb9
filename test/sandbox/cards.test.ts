import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_CARDS } from '../../src/sandbox/index.js';
import { cardBrand, cardNumberValid } from '../../src/shared/cards.js';

test('every test card is valid by the shared card rules, of the brand it names, and documented', () => {
  for (const card of TEST_CARDS) {
    assert.ok(cardNumberValid(card.number), card.number);
    assert.equal(cardBrand(card.number).name, card.brand, card.number);
    assert.ok(card.note.length > 5);
  }
});
