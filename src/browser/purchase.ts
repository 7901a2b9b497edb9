import { STORAGE_KEYS, type Context } from './context.js';
import { emit } from './events.js';
import { log } from './log.js';
import { createStorage } from './storage.js';

/** The kfunnel:purchase detail, shaped as GA4's purchase ecommerce object. No personal data. */
export interface Purchase {
  transaction_id: string;
  value: number;
  currency: string;
  items: Array<{ item_id: string; item_name: string; price: number; quantity: number }>;
}

const money = (n: number) => Math.round(n * 100) / 100;

/**
 * One purchase per transaction, ever: the order as `orderId`, each accepted upsell as `<orderId>-U<n>`
 * (Konnektive books upsells on the order; GA4 drops a repeated transaction id). Fires kfunnel:purchase,
 * then, unless data-analytics="off", a GA4 purchase into window.dataLayer and a Meta Purchase into
 * window.fbq with eventID = transaction id. What was sent is kept per order in localStorage (shared by
 * tabs, kept across reloads), an upsell by its answer (the updated order's lines and total), so a
 * replayed answer, a reload, going back or a second tab never sends one twice.
 */
export function trackPurchase(ctx: Context, target: EventTarget, action: string, order: any): void {
  const orderId = order?.orderId;
  const ledger = createStorage(ctx.win, 'localStorage');
  const key = `kf_purchases_${orderId}`;
  const sent = ledger.get<string[]>(key) ?? [];
  const upsell = action === 'upsale';
  const lines: any[] = order?.items ?? [];
  const mark = upsell ? `${lines.length}/${order.totalAmount}` : 'order';
  if (!orderId || sent.includes(mark)) return;
  ledger.set(key, [...sent, mark]);
  // Konnektive appends an upsale's lines to the order: those beyond the order this tab last saw, else the last one.
  const last = ctx.storage.get<any>(STORAGE_KEYS.last);
  const added = upsell ? lines.slice(last?.orderId === orderId ? last.items?.length : -1) : lines;
  const bought = added.length ? added : lines.slice(-1);
  const items = bought.map(({ productId, name, price, qty }) => ({ item_id: String(productId), item_name: name, price: money(price / qty), quantity: qty }));
  const value = money(upsell ? bought.reduce((sum, line) => sum + line.price + line.shipping, 0) : order.totalAmount);
  const { currency, analytics } = ctx.config;
  const id = upsell ? `${orderId}-U${sent.filter((m) => m !== 'order').length + 1}` : orderId;
  const detail: Purchase = { transaction_id: id, value, currency, items };
  emit(target, 'purchase', detail);
  const { dataLayer, fbq } = ctx.win as any;
  try {
    if (!analytics) return;
    dataLayer?.push({ ecommerce: null }, { event: 'purchase', ecommerce: { ...detail } });
    const contents = items.map(({ item_id: id, quantity }) => ({ id, quantity }));
    fbq?.('track', 'Purchase', { value, currency, content_ids: contents.map((c) => c.id), contents, content_type: 'product' }, { eventID: id });
  } catch (error) {
    log.error(error);
  }
}
