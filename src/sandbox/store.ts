import type { PageType } from '../shared/konnektive.js';
import type { CardOutcome } from './cards.js';

export interface Click {
  pageType: PageType;
  at: string;
  requestUri?: string;
  httpReferer?: string;
  userAgent?: string;
  ipAddress?: string;
  fraudPixel?: boolean;
}

export interface Session {
  sessionId: string;
  campaignId: number;
  createdAt: string;
  requestUri?: string;
  httpReferer?: string;
  userAgent?: string;
  ipAddress?: string;
  affVals: Record<string, string>;
  clicks: Click[];
  orderIds: string[];
}

export interface OrderItem {
  productId: number;
  name: string;
  qty: number;
  /** Line total, as Konnektive reports it. */
  price: number;
  shipping: number;
  purchaseStatus: 'ACTIVE' | 'PENDING';
  isUpsale: boolean;
}

export interface Transaction {
  type: 'SALE' | 'UPSALE';
  status: 'APPROVED' | 'DECLINED' | 'PENDING_3DS' | 'PENDING_PAYPAL' | 'PENDING_REDIRECT' | 'FAILED_3DS' | 'CANCELLED';
  amount: number;
  message?: string;
  at: string;
  /** 'external': the merchant sent cavv / eci from its own 3-D Secure provider; 'challenge': the sandbox's page. */
  threeDs?: 'external' | 'challenge';
  eci?: string;
  /** PayPal FraudNet's correlation id, as sent (not secret). */
  paypalClientMetadataId?: string;
}

export type OrderStatus = 'PARTIAL' | 'PENDING' | 'COMPLETE' | 'DECLINED';

/** Everything the sandbox keeps about an order. `publicOrder` decides what an API answer shows. */
export interface Order {
  orderId: string;
  orderType: 'NEW_SALE';
  orderStatus: OrderStatus;
  campaignId: number;
  campaignName: string;
  customerId: number;
  sessionId?: string;
  dateCreated: string;
  dateUpdated: string;
  completedAt?: number;
  customer: Record<string, string>;
  paySource?: string;
  /** With paySource PREPAID: the alternative payment method (KLARNA, IDEAL, ...). */
  prepaidType?: string;
  cardType?: string;
  cardLast4?: string;
  cardExpiryDate?: string;
  /** How this order's card behaves on upsales; the card number itself is never kept. */
  cardOutcome?: CardOutcome;
  couponCode?: string;
  shipProfileId?: number;
  items: OrderItem[];
  basePrice: number;
  baseShipping: number;
  totalDiscount: number;
  salesTax: number;
  totalAmount: number;
  currencySymbol: string;
  transactions: Transaction[];
  confirmations: number;
}

export interface CallRecord {
  endpoint: string;
  result: string;
  message?: string;
  sessionId?: string;
  orderId?: string;
  pageType?: string;
  at: string;
}

/** A charge waiting for a 3-D Secure, PayPal or alternative-payment page to finish it. */
export interface PendingCharge {
  token: string;
  kind: '3ds' | 'paypal' | 'prepaid';
  /** For kind prepaid: the method its stand-in page shows. */
  prepaidType?: string;
  paypalClientMetadataId?: string;
  orderId: string;
  /** For an upsale: the items to add and the product to replace. */
  upsale?: { items: OrderItem[]; replaceProductId?: number };
  redirectsTo: string;
  errorRedirectsTo: string;
  salesUrl?: string;
  approved: boolean;
  used: boolean;
}

/** One request for a test pixel the sandbox put in an Import Click answer: proof that it fired. */
export interface PixelHit {
  sessionId: string;
  /** fraud: the device data collector of a checkout click with fraudPixel=1; affiliate: the campaign's pixel. */
  pixel: 'fraud' | 'affiliate';
  /** img: the <img> loaded; script: the <script> was inserted as a script element and fetched. */
  element: 'img' | 'script';
  pageType?: string;
  at: string;
}

/** Oldest entries are dropped past these counts, so a long run or a load test keeps memory flat. */
export const STORE_LIMITS = { sessions: 2000, orders: 5000, calls: 1000, pending: 2000, pixels: 1000 };

function bounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): V {
  map.delete(key);
  map.set(key, value);
  while (map.size > limit) map.delete(map.keys().next().value as K);
  return value;
}

export class SandboxStore {
  sessions = new Map<string, Session>();
  orders = new Map<string, Order>();
  pending = new Map<string, PendingCharge>();
  calls: CallRecord[] = [];
  pixels: PixelHit[] = [];

  putSession(session: Session): Session {
    return bounded(this.sessions, session.sessionId, session, STORE_LIMITS.sessions);
  }

  putOrder(order: Order): Order {
    return bounded(this.orders, order.orderId, order, STORE_LIMITS.orders);
  }

  putPending(charge: PendingCharge): PendingCharge {
    return bounded(this.pending, charge.token, charge, STORE_LIMITS.pending);
  }

  recordCall(call: CallRecord): void {
    this.calls.push(call);
    if (this.calls.length > STORE_LIMITS.calls) this.calls.splice(0, this.calls.length - STORE_LIMITS.calls);
  }

  recordPixel(hit: PixelHit): void {
    this.pixels.push(hit);
    if (this.pixels.length > STORE_LIMITS.pixels) this.pixels.splice(0, this.pixels.length - STORE_LIMITS.pixels);
  }

  reset(): void {
    this.sessions.clear();
    this.orders.clear();
    this.pending.clear();
    this.calls = [];
    this.pixels = [];
  }
}

/**
 * An order as Konnektive's API shows it: the order's own fields, the customer's fields at the top level
 * (firstName, emailAddress, shipCity...), and no sandbox bookkeeping.
 */
export type PublicOrder = Omit<Order, 'customer' | 'transactions' | 'confirmations' | 'completedAt' | 'cardOutcome' | 'items'> & {
  [customerField: string]: unknown;
  name: string;
  amountPaid: number;
  items: Array<Omit<OrderItem, 'isUpsale'>>;
};

/** The order as Konnektive's API would show it: no sandbox bookkeeping. */
export function publicOrder(order: Order): PublicOrder {
  const { customer, transactions, confirmations, completedAt, cardOutcome, items, ...rest } = order;
  return {
    ...rest,
    ...customer,
    name: `${customer.firstName ?? ''} ${customer.lastName ?? ''}`.trim(),
    amountPaid: order.orderStatus === 'COMPLETE' ? order.totalAmount : 0,
    items: items.map(({ isUpsale, ...item }) => item),
  };
}

/** What /_sandbox/state shows: newest first, sessions with their calls, orders with bookkeeping. */
export function snapshot(store: SandboxStore) {
  const newestFirst = <T>(values: Iterable<T>) => [...values].reverse();
  return {
    sessions: newestFirst(store.sessions.values()),
    orders: newestFirst(store.orders.values()).map((order): PublicOrder & Pick<Order, 'transactions' | 'confirmations'> => ({
      ...publicOrder(order),
      transactions: order.transactions,
      confirmations: order.confirmations,
    })),
    calls: newestFirst(store.calls),
    pixels: newestFirst(store.pixels),
  };
}
