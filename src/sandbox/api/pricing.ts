import type { KonnektiveAnswer } from '../../shared/konnektive.js';
import type { Campaign } from '../campaign.js';
import type { Order, OrderItem } from '../store.js';
import { cents, error, isoNow, MESSAGES, type ApiContext, type Params } from './common.js';

/** Products and totals: the lines a call names, their prices, and an order's totals. */

const MAX_LINES = 20;

export interface Line {
  productId: string;
  qty: string;
  price?: string;
  shipPrice?: string;
  qtyField: string;
  priceField: string;
  shipField: string;
}

export function orderLines(params: Params): Line[] | KonnektiveAnswer {
  const lines: Line[] = [];
  for (let n = 1; n <= MAX_LINES; n++) {
    const id = params[`product${n}_id`];
    if (!id) continue;
    lines.push({
      productId: id,
      qty: params[`product${n}_qty`] ?? '1',
      price: params[`product${n}_price`],
      shipPrice: params[`product${n}_shipPrice`],
      qtyField: `product${n}_qty`,
      priceField: `product${n}_price`,
      shipField: `product${n}_shipPrice`,
    });
  }
  if (params.orderItems) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(params.orderItems);
    } catch {
      return error(MESSAGES.orderItemsInvalid);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return error(MESSAGES.orderItemsInvalid);
    for (const [id, qty] of Object.entries(parsed)) {
      lines.push({ productId: id, qty: String(qty), qtyField: 'orderItems', priceField: 'orderItems', shipField: 'orderItems' });
    }
  }
  return lines;
}

export function priceLines(lines: Line[], campaign: Campaign, isUpsale: boolean): OrderItem[] | KonnektiveAnswer {
  const items: OrderItem[] = [];
  for (const line of lines) {
    const product = /^\d{1,9}$/.test(line.productId)
      ? campaign.products.find((p) => p.campaignProductId === Number(line.productId))
      : undefined;
    if (!product) return error(MESSAGES.productInvalid(line.productId.slice(0, 20), campaign.campaignId));
    if (!/^\d{1,2}$/.test(line.qty) || Number(line.qty) < 1) return error(MESSAGES.quantityInvalid(line.qtyField));
    const qty = Number(line.qty);
    const unitPrice = line.price === undefined ? product.price : Number(line.price);
    const shipPrice = line.shipPrice === undefined ? product.shipPrice : Number(line.shipPrice);
    if (!(unitPrice >= 0 && unitPrice <= 100000)) return error(MESSAGES.priceInvalid(line.priceField));
    if (!(shipPrice >= 0 && shipPrice <= 100000)) return error(MESSAGES.priceInvalid(line.shipField));
    items.push({
      productId: product.campaignProductId,
      name: product.name,
      qty,
      price: cents(unitPrice * qty),
      shipping: cents(shipPrice),
      purchaseStatus: 'ACTIVE',
      isUpsale,
    });
  }
  return items;
}

export function applyTotals(order: Order, campaign: Campaign, salesTaxOverride?: number): void {
  const basePrice = cents(order.items.reduce((sum, item) => sum + item.price, 0));
  const upcharge = campaign.shipProfiles.find((p) => p.shipProfileId === order.shipProfileId)?.upcharge ?? 0;
  const baseShipping = cents(order.items.reduce((sum, item) => sum + item.shipping, 0) + upcharge);
  // A checkout coupon discounts what was bought at checkout, not the upsales added afterwards.
  const couponBase = order.items.reduce((sum, item) => sum + (item.isUpsale ? 0 : item.price), 0);
  const coupon = campaign.coupons.find((c) => c.code.toUpperCase() === order.couponCode?.toUpperCase());
  // Each part is rounded to cents before the total, so the parts always add up to it.
  const discount = cents(coupon ? Math.min(couponBase, (coupon.percent ?? 0) * couponBase + (coupon.amount ?? 0)) : 0);
  const salesTax = cents(salesTaxOverride ?? (basePrice - discount) * campaign.salesTaxRate);
  order.basePrice = basePrice;
  order.baseShipping = baseShipping;
  order.totalDiscount = discount;
  order.salesTax = salesTax;
  order.totalAmount = cents(basePrice - discount + baseShipping + salesTax);
}

export function addUpsale(order: Order, campaign: Campaign, items: OrderItem[], replaceProductId: number | undefined, ctx: ApiContext) {
  if (replaceProductId !== undefined) order.items = order.items.filter((item) => item.productId !== replaceProductId);
  order.items.push(...items);
  order.dateUpdated = isoNow(ctx);
  applyTotals(order, campaign);
}
