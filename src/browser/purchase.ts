import { STORAGE_KEYS, type Context } from './context.js';
import { emit } from './events.js';
import { log } from './log.js';
import { fingerprint } from './payload.js';
import { createStorage } from './storage.js';

/** The kfunnel:purchase detail, shaped as GA4's purchase ecommerce object. No personal data. */
export interface Purchase {
  transaction_id: string;
  value: number;
  currency: string;
  items: Array<{ item_id: string; item_name: string; price: number; quantity: number }>;
}

const money = (n: number) => Math.round(n * 100) / 100;

/** localStorage (shared by tabs, kept across reloads): per order, which of its transactions were sent. */
const LEDGER = 'kf_purchases_';

/**
 * One purchase per transaction, ever: the order as `orderId`, each accepted upsell as `<orderId>-U<n>`
 * (Konnektive books upsells on the order; GA4 drops a repeated transaction id). Fires kfunnel:purchase,
 * then, unless data-analytics="off", a GA4 purchase into window.dataLayer and a Meta Purchase into
 * window.fbq with eventID = transaction id. An upsell is known by its answer (the updated order), so a
 * replayed answer, a reload, going back or a second tab never sends one twice.
 */
export function trackPurchase(ctx: Context, target: EventTarget, action: string, order: any): void {
  const orderId = order?.orderId;
  if (!orderId) return;
  const ledger = createStorage(ctx.win, 'localStorage');
  const sent = ledger.get<string[]>(LEDGER + orderId) ?? [];
  const upsell = action === 'upsale';
  const lines: any[] = order.items ?? [];
  const mark = upsell ? fingerprint({ lines: JSON.stringify(lines), total: order.totalAmount }) : 'order';
  if (sent.includes(mark)) return;
  ledger.set(LEDGER + orderId, [...sent, mark]);
  // Konnektive appends an upsale's lines to the order: those beyond the order this tab last saw, else the last one.
  const last = ctx.storage.get<any>(STORAGE_KEYS.last);
  const added = upsell ? lines.slice(last?.orderId === orderId ? last.items?.length ?? -1 : -1) : lines;
  const bought = added.length ? added : lines.slice(-1);
  const items = bought.map(({ productId, name, price, qty }) => ({ item_id: String(productId), item_name: name, price: money(price / (qty || 1)), quantity: +qty || 1 }));
  const value = money(upsell ? bought.reduce((sum, line) => sum + line.price + (line.shipping || 0), 0) : order.totalAmount);
  const detail: Purchase = { transaction_id: upsell ? `${orderId}-U${sent.length + (sent.includes('order') ? 0 : 1)}` : orderId, value, currency: ctx.config.currency, items };
  emit(target, 'purchase', detail);
  const { dataLayer, fbq } = ctx.win as any;
  if (ctx.config.analytics) {
    try {
      dataLayer?.push({ ecommerce: null });
      dataLayer?.push({ event: 'purchase', ecommerce: { ...detail } });
      const contents = items.map(({ item_id: id, quantity }) => ({ id, quantity }));
      fbq?.('track', 'Purchase', { value, currency: detail.currency, content_ids: contents.map(({ id }) => id), contents, content_type: 'product' }, { eventID: detail.transaction_id });
    } catch (error) {
      log.error(error);
    }
  }
}
