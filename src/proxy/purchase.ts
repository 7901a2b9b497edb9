import type { RouteName } from '../shared/konnektive.js';
import { fieldOf, textOf } from './answer.js';
import type { ProxyStore } from './store.js';

/**
 * A purchase as GA4 and Meta count one (the page adds the currency: Konnektive answers with a
 * symbol only). Added to the proxy's answer, so the browser only has to pass it on.
 */
export interface Purchase {
  transaction_id: string;
  value: number;
  items: Array<{ item_id: string; item_name: string; price: number; quantity: number }>;
}

/** An order line as Konnektive sent it, read field by field (answer.ts). */
type Line = unknown;

const money = (n: number) => Math.round(n * 100) / 100;
const number = (value: unknown) => Number(textOf(value)) || 0;
const MEMBER = ',"purchase":';
/** How long a purchase made on the return leg waits for the visitor's next page (see Purchases.fromReturn). */
const RETURN_WAIT_MS = 15 * 60 * 1000;
const TAKEN = 'taken';

/** The product ids an Import Upsale asked for: productId and product<N>_id. */
function upsaleProducts(params: Record<string, string>): string[] {
  return Object.entries(params)
    .filter(([name]) => name === 'productId' || /^product\d+_id$/.test(name))
    .map(([, id]) => id);
}

/** A completed order in a Konnektive answer (or Query Order's order itself), with its lines. */
function completedOrder(message: unknown): { orderId: string; totalAmount: unknown; lines: Line[] } | undefined {
  const orderId = fieldOf(message, 'orderId');
  if (typeof orderId !== 'string' || fieldOf(message, 'orderStatus') !== 'COMPLETE') return undefined;
  const items = fieldOf(message, 'items');
  return { orderId, totalAmount: fieldOf(message, 'totalAmount'), lines: Array.isArray(items) ? items : [] };
}

function purchase(transactionId: string, bought: Line[], value: number): Purchase {
  const items = bought.map((line) => {
    const quantity = number(fieldOf(line, 'qty')) || 1;
    return { item_id: textOf(fieldOf(line, 'productId')) ?? '', item_name: textOf(fieldOf(line, 'name')) ?? '', price: money(number(fieldOf(line, 'price')) / quantity), quantity };
  });
  return { transaction_id: transactionId, value: money(value), items };
}

/** An upsale's value: its lines' price and shipping (the order's total also holds everything before it). */
const upsaleValue = (lines: Line[]) => lines.reduce<number>((sum, line) => sum + number(fieldOf(line, 'price')) + number(fieldOf(line, 'shipping')), 0);

/**
 * Purchases, by the store every instance shares: an order is all its lines at its total, with the
 * orderId as transaction id; each accepted upsale (Konnektive answers with the whole order, its lines
 * appended) is `<orderId>-U<n>`, `n` counting the order's upsales (GA4 drops a repeated transaction id,
 * and Konnektive books upsales on the original order). The store also keeps how many of an order's
 * lines were reported, so a sale completed on the return leg (3-D Secure, redirect payments), where
 * the proxy only sees Query Order's order, reports just what is new.
 */
export class Purchases {
  constructor(
    private readonly store: ProxyStore,
    private readonly ttlMs: number,
  ) {}

  /** The purchase a successful order, Confirm PayPal or upsale answer stands for, or undefined. */
  async fromAnswer(route: RouteName, params: Record<string, string>, answer: unknown): Promise<Purchase | undefined> {
    const order = fieldOf(answer, 'result') === 'SUCCESS' ? completedOrder(fieldOf(answer, 'message')) : undefined;
    if (!order) return undefined;
    if (route !== 'upsale') return this.whole(order);
    const asked = upsaleProducts(params);
    const bought = asked.map((id) => order.lines.findLast((line) => textOf(fieldOf(line, 'productId')) === id)).filter((line) => line !== undefined);
    return this.upsale(order, bought.length ? bought : order.lines.slice(-1));
  }

  /**
   * The purchase a return leg completed, from Query Order's order: the order itself the first time its
   * lines are seen, else the lines added since (an upsale paid through 3-D Secure); undefined when
   * nothing is new (the bank posted twice, or an answer already reported it).
   */
  async fromReturn(message: unknown): Promise<Purchase | undefined> {
    const order = completedOrder(message);
    if (!order) return undefined;
    const known = await this.store.get(this.linesKey(order.orderId));
    if (known === undefined) return this.whole(order);
    const added = order.lines.slice(Number(known));
    return added.length ? this.upsale(order, added) : undefined;
  }

  /** Keeps a purchase made on the return leg for the visitor's next page (its click answer carries it). */
  hold(visitorHash: string, found: Purchase): Promise<void> {
    return this.store.put(`purchase-for:${visitorHash}`, JSON.stringify(found), RETURN_WAIT_MS);
  }

  /** The purchase held for this visitor, once. */
  async take(visitorHash: string): Promise<Purchase | undefined> {
    const key = `purchase-for:${visitorHash}`;
    const held = await this.store.get(key);
    // Swapped out atomically: of two pages loading at once, one reports it.
    if (held === undefined || held === TAKEN || !(await this.store.swap(key, held, TAKEN, 1000))) return undefined;
    try {
      return JSON.parse(held) as Purchase;
    } catch {
      return undefined;
    }
  }

  private linesKey(orderId: string) {
    return `purchase-lines:${orderId}`;
  }

  private async whole(order: NonNullable<ReturnType<typeof completedOrder>>): Promise<Purchase> {
    await this.store.put(this.linesKey(order.orderId), String(order.lines.length), this.ttlMs);
    return purchase(order.orderId, order.lines, number(order.totalAmount));
  }

  private async upsale(order: NonNullable<ReturnType<typeof completedOrder>>, bought: Line[]): Promise<Purchase> {
    const n = await this.store.increment(`upsales:${order.orderId}`, this.ttlMs);
    await this.store.put(this.linesKey(order.orderId), String(order.lines.length), this.ttlMs);
    return purchase(`${order.orderId}-U${n}`, bought, upsaleValue(bought));
  }
}

/** Konnektive's answer text with the purchase added beside result and message; the rest byte for byte. */
export const withPurchase = (body: string, found: Purchase): string => body.replace(/}\s*$/, `${MEMBER}${JSON.stringify(found)}}`);

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
