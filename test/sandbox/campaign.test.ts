import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

describe('sandbox: campaign files', () => {
  test('loadCampaignFile refuses a pixel with unknown page types', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { loadCampaignFile } = await import('../../src/sandbox/index.js');
    const file = join(mkdtempSync(join(tmpdir(), 'kf-campaign-')), 'c.json');
    writeFileSync(file, JSON.stringify({ campaignId: 5, products: [{ campaignProductId: 1, price: 1 }], pixel: { pageTypes: ['thanks'] } }));
    assert.throws(() => loadCampaignFile(file), /pixel\.pageTypes must be an array of Konnektive page types/);
    writeFileSync(file, JSON.stringify({ campaignId: 5, products: [{ campaignProductId: 1, price: 1 }], pixel: { pageTypes: ['thankyouPage'] } }));
    assert.deepEqual(loadCampaignFile(file)[0]?.pixel, { pageTypes: ['thankyouPage'] });
  });
});
