import { readFileSync } from 'node:fs';
import { toPageType } from '../shared/konnektive.js';

/** A campaign product: Konnektive's "campaign product id" and its price. */
export interface CampaignProduct {
  campaignProductId: number;
  name: string;
  price: number;
  shipPrice: number;
  /** offer: sold on checkout; upsell: sold on upsell pages; bump: a checkout add-on. */
  type: 'offer' | 'upsell' | 'bump';
}

export interface Coupon {
  code: string;
  /** Fraction of the base price, 0.1 = 10 % off. */
  percent?: number;
  /** Flat amount off the base price. */
  amount?: number;
}

export interface ShipProfile {
  shipProfileId: number;
  name: string;
  /** Added to the order's shipping. */
  upcharge: number;
}

export interface Campaign {
  campaignId: number;
  campaignName: string;
  currencySymbol: string;
  /** Upsales are accepted this long after the sale (Konnektive's default is 2 hours). */
  upsellWindowMinutes: number;
  /** Fraction of the discounted base price; shipping is not taxed. */
  salesTaxRate: number;
  products: CampaignProduct[];
  coupons: Coupon[];
  shipProfiles: ShipProfile[];
  /**
   * An affiliate pixel: Import Click answers clicks of these page types (Konnektive's names, e.g.
   * thankyouPage for a conversion pixel) with a test pixel in message.pixel.
   */
  pixel?: { pageTypes: string[] };
}

/** The built-in demo campaign the demo landers sell from. */
export const DEMO_CAMPAIGN: Campaign = {
  campaignId: 3,
  campaignName: 'Driftwell Sleep Drops',
  currencySymbol: '$',
  upsellWindowMinutes: 120,
  salesTaxRate: 0,
  products: [
    { campaignProductId: 1, name: 'Driftwell Sleep Drops - 1 bottle', price: 39.95, shipPrice: 5.95, type: 'offer' },
    { campaignProductId: 2, name: 'Driftwell Sleep Drops - 3 bottles', price: 89.85, shipPrice: 0, type: 'offer' },
    { campaignProductId: 3, name: 'Driftwell Sleep Drops - 6 bottles', price: 149.7, shipPrice: 0, type: 'offer' },
    { campaignProductId: 4, name: 'Rush processing and shipping protection', price: 4.95, shipPrice: 0, type: 'bump' },
    { campaignProductId: 10, name: 'Driftwell Silk Night Mask', price: 24.95, shipPrice: 0, type: 'upsell' },
    { campaignProductId: 11, name: 'Driftwell Silk Night Mask - 2 pack', price: 39.9, shipPrice: 0, type: 'upsell' },
    { campaignProductId: 20, name: 'Deep Rest Tea - 30 sachets', price: 19.95, shipPrice: 0, type: 'upsell' },
    { campaignProductId: 21, name: 'Deep Rest Tea - 90 sachets', price: 44.95, shipPrice: 0, type: 'upsell' },
  ],
  coupons: [
    { code: 'SAVE10', percent: 0.1 },
    { code: 'WELCOME5', amount: 5 },
  ],
  shipProfiles: [
    { shipProfileId: 1, name: 'Standard (5-7 days)', upcharge: 0 },
    { shipProfileId: 2, name: 'Express (1-2 days)', upcharge: 9.95 },
  ],
  // The affiliate's conversion pixel, so the demo shows Import Click's pixel firing on the thank-you page.
  pixel: { pageTypes: ['thankyouPage'] },
};

/** Reads one campaign or an array of campaigns from a JSON file, with a clear error per problem. */
export function loadCampaignFile(path: string): Campaign[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read campaign file ${path}: ${(error as Error).message}`);
  }
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((entry, index) => checkCampaign(entry, `${path} [${index}]`));
}

function checkCampaign(value: unknown, where: string): Campaign {
  const fail = (problem: string): never => {
    throw new Error(`Invalid campaign in ${where}: ${problem}`);
  };
  if (!value || typeof value !== 'object') fail('expected an object');
  const c = value as Partial<Campaign>;
  if (!Number.isInteger(c.campaignId) || (c.campaignId as number) <= 0) fail('campaignId must be a positive integer');
  if (!Array.isArray(c.products) || c.products.length === 0) fail('products must be a non-empty array');
  for (const p of c.products as CampaignProduct[]) {
    if (!Number.isInteger(p?.campaignProductId)) fail('every product needs an integer campaignProductId');
    if (!(typeof p.price === 'number' && p.price >= 0)) fail(`product ${p.campaignProductId} needs a price >= 0`);
  }
  return {
    campaignId: c.campaignId as number,
    campaignName: c.campaignName ?? `Campaign ${c.campaignId}`,
    currencySymbol: c.currencySymbol ?? '$',
    upsellWindowMinutes: c.upsellWindowMinutes ?? 120,
    salesTaxRate: c.salesTaxRate ?? 0,
    products: (c.products as CampaignProduct[]).map((p) => ({
      campaignProductId: p.campaignProductId,
      name: p.name ?? `Product ${p.campaignProductId}`,
      price: p.price,
      shipPrice: p.shipPrice ?? 0,
      type: p.type ?? 'offer',
    })),
    coupons: c.coupons ?? [],
    shipProfiles: c.shipProfiles ?? [],
    pixel: checkPixel(c.pixel, fail),
  };
}

function checkPixel(value: unknown, fail: (problem: string) => never): Campaign['pixel'] {
  if (value === undefined) return undefined;
  const pageTypes = (value as { pageTypes?: unknown })?.pageTypes;
  if (!Array.isArray(pageTypes) || !pageTypes.every((t) => toPageType(String(t)) === t)) {
    fail('pixel.pageTypes must be an array of Konnektive page types (presellPage ... thankyouPage)');
  }
  return { pageTypes: pageTypes as string[] };
}
