import type { RouteName } from '../shared/konnektive.js';

/**
 * A purchase as GA4 and Meta count one (the page adds the currency: Konnektive answers with a
 * symbol only). Added to the proxy's answer, so the browser only has to pass it on, once per id.
 */
export interface Purchase {
  transaction_id: string;
  value: number;
  items: Array<{ item_id: string; item_name: string; price: number; quantity: number }>;
}

const money = (n: number) => Math.round(n * 100) / 100;
const number = (value: unknown) => (typeof value === 'number' || typeof value === 'string' ? Number(value) || 0 : 0);

/** The product ids an Import Upsale asked for: productId and product<N>_id. */
function upsaleProducts(params: Record<string, string>): string[] {
  return Object.entries(params)
    .filter(([name]) => name === 'productId' || /^product\d+_id$/.test(name))
    .map(([, id]) => id);
}

/**
 * The purchase a successful order, Confirm PayPal or upsale answer stands for, or undefined. An order
 * is all its lines at its total; an upsale (Konnektive answers with the whole order, its lines
 * appended) is the last line of each product it asked for, at those lines' price and shipping, with
 * the transaction id `<orderId>-U<n>`, `n` counting the order's accepted upsales (GA4 drops a
 * repeated transaction id, and Konnektive books upsales on the original order).
 */
export async function purchaseOf(route: RouteName, params: Record<string, string>, answer: unknown, nextUpsale: (orderId: string) => Promise<number>): Promise<Purchase | undefined> {
  const { result, message } = (answer ?? {}) as { result?: unknown; message?: { orderId?: unknown; orderStatus?: unknown; totalAmount?: unknown; items?: unknown } };
  if (result !== 'SUCCESS' || !message || typeof message.orderId !== 'string' || message.orderStatus !== 'COMPLETE') return undefined;
  const lines = (Array.isArray(message.items) ? message.items : []) as Array<Record<string, unknown>>;
  let bought = lines;
  let transactionId = message.orderId;
  if (route === 'upsale') {
    const asked = upsaleProducts(params);
    bought = asked.map((id) => lines.findLast((line) => String(line.productId) === id)).filter((line) => line !== undefined);
    if (!bought.length) bought = lines.slice(-1);
    transactionId = `${message.orderId}-U${await nextUpsale(message.orderId)}`;
  }
  const items = bought.map((line) => {
    const quantity = number(line.qty) || 1;
    return { item_id: String(line.productId ?? ''), item_name: String(line.name ?? ''), price: money(number(line.price) / quantity), quantity };
  });
  const value = route === 'upsale' ? bought.reduce((sum, line) => sum + number(line.price) + number(line.shipping), 0) : number(message.totalAmount);
  return { transaction_id: transactionId, value: money(value), items };
}

const MEMBER = ',"purchase":';

/** Konnektive's answer text with the purchase added beside result and message; the rest byte for byte. */
export const withPurchase = (body: string, purchase: Purchase): string => body.replace(/}\s*$/, `${MEMBER}${JSON.stringify(purchase)}}`);

/**
 * A replayed answer without its purchase: only the answer that made the sale reports it, so a resent
 * attempt, a resubmitted paid checkout or a second tab never counts a sale twice. The purchase is the
 * answer's last member (withPurchase put it there), and `,"purchase":` with bare quotes cannot occur
 * inside a JSON string.
 */
export function withoutPurchase(body: string): string {
  const at = body.lastIndexOf(MEMBER);
  return at < 0 ? body : `${body.slice(0, at)}}`;
}
