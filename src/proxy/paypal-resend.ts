import type { ProxyStore } from './store.js';

/** What Konnektive's legacy PayPal flow wants again on Confirm PayPal: the order's products, coupon and ship profile. */
const RESENT = /^(product\d+_(id|qty)|variant\d+_id|couponCode|shipProfileId)$/;
const key = (orderId: string) => `paypal-order:${orderId}`;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Kept when a PayPal order is sent, by orderId: the buyer may come back from PayPal to any page, so the
 * proxy, not the page, resends them with Confirm PayPal (as Konnektive's own SDK resends the items it
 * saved from Import Order).
 */
export async function keepPaypalOrder(store: ProxyStore, params: Readonly<Record<string, string>>): Promise<void> {
  if (params.paySource !== 'PAYPAL' || !params.orderId) return;
  const kept = Object.fromEntries(Object.entries(params).filter(([name]) => RESENT.test(name)));
  await store.put(key(params.orderId), JSON.stringify(kept), DAY_MS);
}

/** Confirm PayPal's parameters with the order's kept ones added (what the browser sent wins). */
export async function withPaypalOrder(store: ProxyStore, params: Record<string, string>): Promise<Record<string, string>> {
  const raw = params.orderId === undefined ? undefined : await store.get(key(params.orderId));
  if (raw === undefined) return params;
  try {
    return { ...(JSON.parse(raw) as Record<string, string>), ...params };
  } catch {
    return params;
  }
}
