import { STORAGE_KEYS, type Context } from './context.js';
import { emit } from './events.js';
import { log } from './log.js';
import { fingerprint } from './payload.js';
import { createStorage } from './storage.js';

/** A GA4 ecommerce item. */
export interface PurchaseItem {
  item_id: string;
  item_name: string;
  price: number;
  quantity: number;
}

/** The kfunnel:purchase detail, shaped as GA4's purchase ecommerce object. No personal data. */
export interface Purchase {
  transaction_id: string;
  value: number;
  currency: string;
  items: PurchaseItem[];
}

const money = (n: number) => Math.round(n * 100) / 100;

/** Konnektive's order items (`price` is the line total) as GA4 items. */
const toItems = (items: any[]): PurchaseItem[] =>
  items.map(({ productId, name, price, qty }) => ({ item_id: String(productId), item_name: String(name), price: money(price / (qty || 1)), quantity: +qty || 1 }));

/** localStorage (shared by tabs, kept across reloads): which transactions of an order were sent. */
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
  const mark = upsell ? fingerprint({ items: JSON.stringify(order.items), total: String(order.totalAmount) }) : 'order';
  if (sent.includes(mark)) return;
  ledger.set(LEDGER + orderId, [...sent, mark]);
  // An upsell's items are those its answer adds to the order this tab last saw, its value the difference;
  // without that order (another tab), the line Konnektive appended last.
  const last = ctx.storage.get<any>(STORAGE_KEYS.last);
  let lines: unknown[] = order.items ?? [];
  let value = +order.totalAmount;
  if (upsell && last?.orderId === orderId && last.items) {
    const seen = last.items.map((item: unknown) => JSON.stringify(item));
    lines = lines.filter((item) => {
      const at = seen.indexOf(JSON.stringify(item));
      if (at >= 0) seen.splice(at, 1);
      return at < 0;
    });
    value -= last.totalAmount;
  } else if (upsell) {
    lines = lines.slice(-1);
    value = NaN;
  }
  const items = toItems(lines);
  const detail: Purchase = {
    transaction_id: upsell ? `${orderId}-U${sent.filter((m) => m !== 'order').length + 1}` : String(orderId),
    value: money(value >= 0 ? value : items.reduce((sum, item) => sum + item.price * item.quantity, 0)),
    currency: ctx.config.currency,
    items,
  };
  emit(target, 'purchase', detail);
  if (!ctx.config.analytics) return;
  const { dataLayer, fbq } = ctx.win as any;
  try {
    dataLayer?.push({ ecommerce: null });
    dataLayer?.push({ event: 'purchase', ecommerce: { ...detail } });
    const { value, currency } = detail;
    const contents = items.map(({ item_id: id, quantity }) => ({ id, quantity }));
    fbq?.('track', 'Purchase', { value, currency, content_ids: contents.map(({ id }) => id), contents, content_type: 'product' }, { eventID: detail.transaction_id });
  } catch (error) {
    log.error('a purchase tag failed', error);
  }
}
