import { randomBytes } from 'node:crypto';
import { FIELD_MAX_LENGTH, LEAD_FIELDS, PREPAID_TYPES, toPageType, type KonnektiveAnswer } from '../shared/konnektive.js';
import type { Campaign } from './campaign.js';
import { lookupCard } from './cards.js';
import { cvvLength } from '../shared/cards.js';
import { publicOrder, type Order, type OrderItem, type PendingCharge, type SandboxStore, type Session, type Transaction } from './store.js';

export type Params = Record<string, string>;

export interface ApiContext {
  store: SandboxStore;
  campaigns: Map<number, Campaign>;
  /**
   * Where browsers reach the sandbox's pages (3-D Secure, PayPal, alternative payments, pixels) for
   * this call: an origin, or '' for a path relative to the page (pixels only; `absolute` asks for an
   * origin, which redirects need).
   */
  pageBase: (params: Params, absolute: boolean) => string;
  now: () => number;
}

/**
 * Konnektive-style texts. Only "Could not authenticate credentials" and the decline texts are
 * known verbatim (see konnektive-api.md); the rest are written in the same style.
 */
export const MESSAGES = {
  auth: 'Could not authenticate credentials. Check the API user loginId and password.',
  campaignRequired: 'campaignId is required',
  campaignInvalid: (id: string) => `Invalid campaignId ${id}`,
  pageTypeInvalid: (value: string) => `Invalid pageType ${value}`,
  requestUriRequired: 'requestUri is required on the first Import Click of a session (no sessionId was sent)',
  sessionInvalid: (value: string) => `Invalid sessionId ${value}: expected 32 hexadecimal characters`,
  orderIdRequired: 'orderId is required',
  orderNotFound: (id: string) => `Invalid orderId ${id}: no such order`,
  orderComplete: (id: string) => `Order ${id} has already been completed`,
  orderNotPartial: (id: string, status: string) => `Order ${id} is ${status}; only a PARTIAL order can be updated by Import Lead`,
  upsaleNeedsComplete: (id: string, status: string) =>
    `Upsales can only be added to a COMPLETE order; order ${id} is ${status}`,
  confirmNeedsComplete: (id: string, status: string) => `Only a COMPLETE order can be confirmed; order ${id} is ${status}`,
  upsellWindowClosed: (id: string, minutes: number) => `The upsell window (${minutes} minutes) for order ${id} has closed`,
  noProducts: 'No products specified: send product1_id (and product1_qty), or productId on Import Upsale',
  productInvalid: (id: string, campaignId: number) => `Invalid product id ${id} for campaign ${campaignId}`,
  replaceMissing: (id: string) => `replaceProductId ${id} is not on this order`,
  quantityInvalid: (field: string) => `${field} must be a whole number from 1 to 99`,
  priceInvalid: (field: string) => `${field} must be a number from 0 to 100000`,
  orderItemsInvalid: 'orderItems must be a JSON object of campaign product id to quantity',
  paySourceUnsupported: (value: string) => `paySource ${value} is not supported by the sandbox (use CREDITCARD, PAYPAL or PREPAID)`,
  prepaidTypeInvalid: (value: string) => `Invalid prepaidType ${value}: expected one of ${PREPAID_TYPES.join(', ')}`,
  upsalePaySource: (value: string) => `paySource ${value} cannot be used on Import Upsale: it is charged to the order's pay source, or PREPAID with prepaidType`,
  eciInvalid: (field: string) => `${field} must be a 2-digit Electronic Commerce Indicator`,
  threeDsIncomplete: 'External 3-D Secure needs both cavv and eci',
  redirectsRequired: (what: string) => `${what} requires redirectsTo and errorRedirectsTo`,
  paypalNeedsSalesUrl: 'PayPal requires salesUrl, redirectsTo and errorRedirectsTo',
  invalidCard: 'Transaction Declined: Invalid Card Number',
  expiredCard: 'Transaction Declined: Expired Card',
  invalidCvv: 'Transaction Declined: Invalid Security Code',
  paypalParams: 'token and payerId are required',
  paypalToken: (token: string) => `Invalid PayPal token ${token}`,
  paypalUsed: 'This PayPal token has already been used',
  paypalNotApproved: 'The payer has not yet approved this PayPal payment',
  queryParams: 'Send orderId or emailAddress',
  queryEmpty: 'No orders matching query',
};

const AFF_KEYS = ['affId', 'c1', 'c2', 'c3', 'c4', 'c5'];

/** The address and contact limits the browser also enforces, plus those of affiliate and custom fields. */
const LIMITS: Record<string, number> = { ...FIELD_MAX_LENGTH, affId: 10, couponCode: 50 };
for (let n = 1; n <= 5; n++) {
  LIMITS[`sourceValue${n}`] = 30;
  LIMITS[`custom${n}`] = 50;
}
const MAX_LINES = 20;

const error = (message: string | Record<string, string>): KonnektiveAnswer => ({ result: 'ERROR', message });
const success = (message: unknown): KonnektiveAnswer => ({ result: 'SUCCESS', message });
const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const cents = (n: number) => Math.round(n * 100) / 100;
const isoNow = (ctx: ApiContext) => new Date(ctx.now()).toISOString();

function findCampaign(params: Params, ctx: ApiContext): Campaign | KonnektiveAnswer {
  const id = params.campaignId;
  if (!id) return error(MESSAGES.campaignRequired);
  const campaign = /^\d{1,9}$/.test(id) ? ctx.campaigns.get(Number(id)) : undefined;
  return campaign ?? error(MESSAGES.campaignInvalid(id.slice(0, 40)));
}

const isAnswer = (value: unknown): value is KonnektiveAnswer =>
  typeof value === 'object' && value !== null && 'result' in value;

/** affId and passed values c1..c5 from the landing URL, exactly as typed (case kept). */
export function parseAffVals(requestUri: string): Record<string, string> {
  const query = requestUri.includes('?') ? requestUri.slice(requestUri.indexOf('?') + 1).split('#')[0] : '';
  const found = new URLSearchParams(query);
  const affVals: Record<string, string> = {};
  for (const key of AFF_KEYS) {
    const value = found.get(key);
    if (value !== null) affVals[key] = value;
  }
  return affVals;
}

// ---------------------------------------------------------------- Import Click

export function importClick(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const pageType = toPageType(params.pageType ?? '');
  if (!pageType || pageType !== params.pageType) return error(MESSAGES.pageTypeInvalid(String(params.pageType ?? '').slice(0, 40)));
  const at = isoNow(ctx);
  const click = {
    pageType,
    at,
    requestUri: params.requestUri,
    httpReferer: params.httpReferer,
    userAgent: params.userAgent,
    ipAddress: params.ipAddress,
    fraudPixel: params.fraudPixel === '1' || undefined,
  };
  let session: Session | undefined;
  if (params.sessionId) {
    if (!/^[0-9a-f]{32}$/.test(params.sessionId)) return error(MESSAGES.sessionInvalid(params.sessionId.slice(0, 40)));
    session = ctx.store.sessions.get(params.sessionId);
    if (!session) {
      // A session the sandbox has not seen (it restarted, or another instance made it) is adopted.
      const campaignId = Number(params.campaignId) || 0;
      session = { sessionId: params.sessionId, campaignId, createdAt: at, affVals: {}, clicks: [], orderIds: [] };
    }
  } else {
    const campaign = findCampaign(params, ctx);
    if (isAnswer(campaign)) return campaign;
    if (!params.requestUri) return error(MESSAGES.requestUriRequired);
    session = {
      sessionId: hex(16),
      campaignId: campaign.campaignId,
      createdAt: at,
      requestUri: params.requestUri,
      httpReferer: params.httpReferer,
      userAgent: params.userAgent,
      ipAddress: params.ipAddress,
      affVals: parseAffVals(params.requestUri),
      clicks: [],
      orderIds: [],
    };
  }
  session.clicks.push(click);
  ctx.store.putSession(session);
  const message: Record<string, unknown> = { sessionId: session.sessionId };
  if (Object.keys(session.affVals).length) message.affVals = session.affVals;
  const campaign = ctx.campaigns.get(session.campaignId);
  const pixels = [
    ...(click.fraudPixel && pageType === 'checkoutPage' ? ['fraud' as const] : []),
    ...(campaign?.pixel?.pageTypes.includes(pageType) ? ['affiliate' as const] : []),
  ];
  if (pixels.length) message.pixel = pixels.map((kind) => testPixel(kind, session, pageType, ctx.pageBase(params, false))).join('');
  return success(message);
}

/**
 * A test pixel as Konnektive returns them (HTML for the page to inject): an image and a script, each
 * recording its hit at /_sandbox/pixel/..., so a test or the inspector can see that both ran.
 */
function testPixel(kind: 'fraud' | 'affiliate', session: Session, pageType: string, base: string): string {
  const at = (element: string) => `${base}/_sandbox/pixel/${session.sessionId}/${kind}.${element}?pageType=${pageType}`;
  return `<img src="${at('gif')}" width="1" height="1" alt=""><script src="${at('js')}" async></script>`;
}

// ---------------------------------------------------------------- customer fields

function checkLengths(values: Params, errors: Record<string, string>): void {
  for (const [field, value] of Object.entries(values)) {
    const limit = LIMITS[field];
    if (limit && value.length > limit) errors[field] = `${field} must be at most ${limit} characters`;
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkContact(customer: Params, errors: Record<string, string>): void {
  for (const field of ['firstName', 'lastName']) if (!customer[field]) errors[field] = `${field} is required`;
  if (!customer.emailAddress && !customer.phoneNumber) {
    errors.emailAddress = 'emailAddress or phoneNumber is required';
  }
  if (customer.emailAddress && !EMAIL.test(customer.emailAddress)) {
    errors.emailAddress = 'emailAddress is not a valid email address';
  }
  if (customer.phoneNumber && !/^[0-9-]{7,20}$/.test(customer.phoneNumber)) {
    errors.phoneNumber = 'phoneNumber may only contain digits and hyphens';
  }
}

/** The order a call names, or the answer Konnektive gives for an orderId it does not know. */
function lookupOrder(orderId: string, ctx: ApiContext): Order | KonnektiveAnswer {
  return ctx.store.orders.get(orderId) ?? error(MESSAGES.orderNotFound(orderId.slice(0, 40)));
}

/** What a lead or order call knows of the customer: the order's earlier data, overwritten only by fields sent now. */
function customerUpdate(params: Params, order: Order | undefined) {
  const incoming = customerFields(params);
  const customer = { ...order?.customer, ...incoming };
  const errors: Record<string, string> = {};
  checkContact(customer, errors);
  return { incoming, customer, errors };
}

function customerFields(params: Params): Params {
  const out: Params = {};
  for (const field of LEAD_FIELDS) if (params[field] !== undefined) out[field] = params[field];
  for (const [key, value] of Object.entries(params)) {
    if (/^(custom[1-5]|custom_(order|customer)_\w+|affId|sourceValue[1-5])$/.test(key)) out[key] = value;
  }
  return out;
}

function linkSession(ctx: ApiContext, order: Order, sessionId: string | undefined): void {
  if (!sessionId) return;
  order.sessionId = sessionId;
  const session = ctx.store.sessions.get(sessionId);
  if (session && !session.orderIds.includes(order.orderId)) session.orderIds.push(order.orderId);
}

function newOrder(ctx: ApiContext, campaign: Campaign): Order {
  const now = isoNow(ctx);
  return {
    orderId: hex(5).toUpperCase(),
    orderType: 'NEW_SALE',
    orderStatus: 'PARTIAL',
    campaignId: campaign.campaignId,
    campaignName: campaign.campaignName,
    customerId: 100000 + ctx.store.orders.size + Math.floor(Math.random() * 1000) * 1000,
    dateCreated: now,
    dateUpdated: now,
    customer: {},
    items: [],
    basePrice: 0,
    baseShipping: 0,
    totalDiscount: 0,
    salesTax: 0,
    totalAmount: 0,
    currencySymbol: campaign.currencySymbol,
    transactions: [],
    confirmations: 0,
  };
}

// ---------------------------------------------------------------- Import Lead

export function importLead(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const campaign = findCampaign(params, ctx);
  if (isAnswer(campaign)) return campaign;
  let order: Order | undefined;
  if (params.orderId) {
    const named = lookupOrder(params.orderId, ctx);
    if (isAnswer(named)) return named;
    if (named.orderStatus !== 'PARTIAL' && named.orderStatus !== 'DECLINED') {
      return error(MESSAGES.orderNotPartial(named.orderId, named.orderStatus));
    }
    order = named;
  }
  const { incoming, customer, errors } = customerUpdate(params, order);
  checkLengths(incoming, errors);
  if (Object.keys(errors).length) return error(errors);
  order ??= newOrder(ctx, campaign);
  order.customer = customer;
  order.dateUpdated = isoNow(ctx);
  linkSession(ctx, order, params.sessionId);
  ctx.store.putOrder(order);
  return success(publicOrder(order));
}

// ---------------------------------------------------------------- products and totals

interface Line {
  productId: string;
  qty: string;
  price?: string;
  shipPrice?: string;
  qtyField: string;
  priceField: string;
  shipField: string;
}

function orderLines(params: Params): Line[] | KonnektiveAnswer {
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

function priceLines(lines: Line[], campaign: Campaign, isUpsale: boolean): OrderItem[] | KonnektiveAnswer {
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

function applyTotals(order: Order, campaign: Campaign, salesTaxOverride?: number): void {
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

// ---------------------------------------------------------------- payment

function expired(month: number, year: number, now: number): boolean {
  const date = new Date(now);
  return year < date.getUTCFullYear() || (year === date.getUTCFullYear() && month < date.getUTCMonth() + 1);
}

type CardCheck = { digits: string; month: number; year: number } | KonnektiveAnswer;

function readCard(params: Params, ctx: ApiContext): CardCheck {
  const errors: Record<string, string> = {};
  for (const field of ['cardNumber', 'cardMonth', 'cardYear', 'cardSecurityCode']) {
    if (!params[field]) errors[field] = `${field} is required`;
  }
  if (Object.keys(errors).length) return error(errors);
  const digits = params.cardNumber.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) return error(MESSAGES.invalidCard);
  const month = Number(params.cardMonth);
  let year = Number(params.cardYear);
  if (params.cardYear.length === 2) year += 2000;
  if (!Number.isInteger(month) || month < 1 || month > 12 || !Number.isInteger(year)) return error(MESSAGES.expiredCard);
  if (expired(month, year, ctx.now())) return error(MESSAGES.expiredCard);
  if (!new RegExp(`^\\d{${cvvLength(digits)}}$`).test(params.cardSecurityCode)) return error(MESSAGES.invalidCvv);
  return { digits, month, year };
}

const REDIRECT_PAGES = {
  '3ds': (token: string) => `/_sandbox/3ds/${token}`,
  paypal: (token: string) => `/_sandbox/paypal/checkoutnow?token=${token}`,
  prepaid: (token: string) => `/_sandbox/pay/${token}`,
};

function pendingRedirect(ctx: ApiContext, params: Params, kind: keyof typeof REDIRECT_PAGES, token: string): KonnektiveAnswer {
  return { result: 'MERC_REDIRECT', message: { url: `${ctx.pageBase(params, true)}${REDIRECT_PAGES[kind](token)}` } };
}

/** paySource=PREPAID needs a known prepaidType and both return URLs; an answer when it does not have them. */
function checkPrepaid(params: Params, prepaidType: string | undefined): KonnektiveAnswer | undefined {
  if (!prepaidType || !PREPAID_TYPES.includes(prepaidType)) return error(MESSAGES.prepaidTypeInvalid(String(prepaidType ?? '').slice(0, 20)));
  if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired(`paySource PREPAID (${prepaidType})`));
  return undefined;
}

/**
 * External 3-D Secure results (cavv, eci, xid and the rebill_ pair) from the merchant's own provider.
 * Undefined when none were sent; an answer when they are incomplete or malformed.
 */
function externalThreeDs(params: Params): { eci: string } | KonnektiveAnswer | undefined {
  if (![params.cavv, params.eci, params.xid].some(Boolean)) return undefined;
  if (!params.cavv || !params.eci) return error(MESSAGES.threeDsIncomplete);
  for (const field of ['eci', 'rebill_eci']) if (params[field] && !/^\d{2}$/.test(params[field])) return error(MESSAGES.eciInvalid(field));
  return { eci: params.eci };
}

// ---------------------------------------------------------------- Import Order

const ORDER_REQUIRED = ['firstName', 'lastName', 'address1', 'city', 'postalCode', 'country'];
const SHIP_REQUIRED = ['shipAddress1', 'shipCity', 'shipPostalCode', 'shipCountry'];

export function importOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const campaign = findCampaign(params, ctx);
  if (isAnswer(campaign)) return campaign;
  let existing: Order | undefined;
  if (params.orderId) {
    const named = lookupOrder(params.orderId, ctx);
    if (isAnswer(named)) return named;
    if (named.orderStatus === 'COMPLETE') return error(MESSAGES.orderComplete(named.orderId));
    existing = named;
  }
  const { incoming, customer, errors } = customerUpdate(params, existing);
  for (const field of ORDER_REQUIRED) if (!customer[field]) errors[field] = `${field} is required`;
  const separateShipping = customer.billShipSame === '0' || (customer.billShipSame === undefined && customer.shipAddress1);
  if (separateShipping) for (const field of SHIP_REQUIRED) if (!customer[field]) errors[field] = `${field} is required`;
  checkLengths(incoming, errors);
  if (params.couponCode && !campaign.coupons.some((c) => c.code.toUpperCase() === params.couponCode.toUpperCase())) {
    errors.couponCode = `Coupon code ${params.couponCode.slice(0, 50)} is not valid for this campaign`;
  }
  if (params.shipProfileId && !campaign.shipProfiles.some((p) => String(p.shipProfileId) === params.shipProfileId)) {
    errors.shipProfileId = `Invalid shipProfileId ${params.shipProfileId.slice(0, 20)}`;
  }
  if (Object.keys(errors).length) return error(errors);

  const lines = orderLines(params);
  if (isAnswer(lines)) return lines;
  if (lines.length === 0) return error(MESSAGES.noProducts);
  const items = priceLines(lines, campaign, false);
  if (isAnswer(items)) return items;
  const salesTax = params.salesTax === undefined ? undefined : Number(params.salesTax);
  if (salesTax !== undefined && !(salesTax >= 0 && salesTax <= 100000)) return error(MESSAGES.priceInvalid('salesTax'));

  const paySource = params.paySource || 'CREDITCARD';
  let card: CardCheck | undefined;
  let threeDs: { eci: string } | undefined;
  if (paySource === 'CREDITCARD') {
    card = readCard(params, ctx);
    if (isAnswer(card)) return card;
    const external = externalThreeDs(params);
    if (isAnswer(external)) return external;
    threeDs = external;
  } else if (paySource === 'PAYPAL') {
    if (!params.salesUrl || !params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.paypalNeedsSalesUrl);
  } else if (paySource === 'PREPAID') {
    // No card fields: the shopper pays on the provider's page.
    const refused = checkPrepaid(params, params.prepaidType);
    if (refused) return refused;
  } else {
    return error(MESSAGES.paySourceUnsupported(paySource.slice(0, 20)));
  }

  const order = existing ?? newOrder(ctx, campaign);
  Object.assign(order, {
    customer: separateShipping ? customer : withBillingAsShipping(customer),
    items,
    couponCode: params.couponCode || undefined,
    shipProfileId: params.shipProfileId ? Number(params.shipProfileId) : undefined,
    paySource,
    prepaidType: paySource === 'PREPAID' ? params.prepaidType : undefined,
    dateUpdated: isoNow(ctx),
  });
  applyTotals(order, campaign, salesTax);
  linkSession(ctx, order, params.sessionId);
  ctx.store.putOrder(order);

  if (paySource === 'PAYPAL') {
    const token = `EC-${hex(8).toUpperCase()}`;
    ctx.store.putPending({
      token,
      kind: 'paypal',
      orderId: order.orderId,
      redirectsTo: params.redirectsTo,
      errorRedirectsTo: params.errorRedirectsTo,
      salesUrl: params.salesUrl,
      paypalClientMetadataId: params.paypalClientMetadataId,
      approved: false,
      used: false,
    });
    order.orderStatus = 'PENDING';
    order.transactions.push({ type: 'SALE', status: 'PENDING_PAYPAL', amount: order.totalAmount, at: isoNow(ctx), paypalClientMetadataId: params.paypalClientMetadataId });
    return pendingRedirect(ctx, params, 'paypal', token);
  }

  if (paySource === 'PREPAID') {
    const token = hex(12);
    ctx.store.putPending({
      token,
      kind: 'prepaid',
      prepaidType: params.prepaidType,
      orderId: order.orderId,
      redirectsTo: params.redirectsTo,
      errorRedirectsTo: params.errorRedirectsTo,
      approved: false,
      used: false,
    });
    order.orderStatus = 'PENDING';
    order.transactions.push({ type: 'SALE', status: 'PENDING_REDIRECT', amount: order.totalAmount, at: isoNow(ctx) });
    return pendingRedirect(ctx, params, 'prepaid', token);
  }

  const { digits, month, year } = card as { digits: string; month: number; year: number };
  const behaviour = lookupCard(digits);
  order.cardType = behaviour.brand;
  order.cardLast4 = digits.slice(-4);
  order.cardExpiryDate = `${year}-${String(month).padStart(2, '0')}-01`;
  if (behaviour.outcome === 'invalid' || behaviour.outcome === 'decline') {
    const message = behaviour.outcome === 'invalid' ? MESSAGES.invalidCard : (behaviour.message as string);
    order.orderStatus = 'DECLINED';
    order.transactions.push({ type: 'SALE', status: 'DECLINED', amount: order.totalAmount, message, at: isoNow(ctx) });
    return error(message);
  }
  order.cardOutcome = behaviour.outcome;
  if (threeDs) {
    // Authenticated by the merchant's own 3-D Secure provider: no challenge here, for the order or its upsales.
    if (behaviour.outcome === '3ds') order.cardOutcome = 'approve';
    completeSale(order, ctx, { threeDs: 'external', eci: threeDs.eci });
    return success(publicOrder(order));
  }
  if (behaviour.outcome === '3ds') {
    if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired('3-D Secure'));
    const token = hex(12);
    ctx.store.putPending({
      token,
      kind: '3ds',
      orderId: order.orderId,
      redirectsTo: params.redirectsTo,
      errorRedirectsTo: params.errorRedirectsTo,
      approved: false,
      used: false,
    });
    order.orderStatus = 'PENDING';
    order.transactions.push({ type: 'SALE', status: 'PENDING_3DS', amount: order.totalAmount, at: isoNow(ctx), threeDs: 'challenge' });
    return pendingRedirect(ctx, params, '3ds', token);
  }
  completeSale(order, ctx);
  return success(publicOrder(order));
}

function withBillingAsShipping(customer: Params): Params {
  const out: Params = { ...customer, billShipSame: '1' };
  for (const field of ['FirstName', 'LastName', 'CompanyName', 'Address1', 'Address2', 'City', 'State', 'PostalCode', 'Country']) {
    const billing = customer[field[0].toLowerCase() + field.slice(1)];
    if (billing !== undefined) out[`ship${field}`] = billing;
  }
  return out;
}

function completeSale(order: Order, ctx: ApiContext, extra: Partial<Transaction> = {}): void {
  order.orderStatus = 'COMPLETE';
  order.completedAt = ctx.now();
  order.dateUpdated = isoNow(ctx);
  const pending = order.transactions.findLast((t) => t.type === 'SALE' && t.status.startsWith('PENDING'));
  if (pending) Object.assign(pending, extra, { status: 'APPROVED' });
  else order.transactions.push({ type: 'SALE', status: 'APPROVED', amount: order.totalAmount, at: isoNow(ctx), ...extra });
}

// ---------------------------------------------------------------- Import Upsale

export function importUpsale(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId) return error(MESSAGES.orderIdRequired);
  const order = lookupOrder(params.orderId, ctx);
  if (isAnswer(order)) return order;
  if (order.orderStatus !== 'COMPLETE') return error(MESSAGES.upsaleNeedsComplete(order.orderId, order.orderStatus));
  const campaign = ctx.campaigns.get(order.campaignId) as Campaign;
  if (ctx.now() - (order.completedAt ?? 0) > campaign.upsellWindowMinutes * 60_000) {
    return error(MESSAGES.upsellWindowClosed(order.orderId, campaign.upsellWindowMinutes));
  }
  let lines = orderLines(params);
  if (isAnswer(lines)) return lines;
  if (params.productId) {
    lines = [
      {
        productId: params.productId,
        qty: params.productQty ?? '1',
        price: params.productPrice,
        shipPrice: params.productShipPrice,
        qtyField: 'productQty',
        priceField: 'productPrice',
        shipField: 'productShipPrice',
      },
      ...lines,
    ];
  }
  if (lines.length === 0) return error(MESSAGES.noProducts);
  const items = priceLines(lines, campaign, true);
  if (isAnswer(items)) return items;
  const replaceProductId = params.replaceProductId ? Number(params.replaceProductId) : undefined;
  if (params.replaceProductId && !order.items.some((item) => item.productId === replaceProductId)) {
    return error(MESSAGES.replaceMissing(params.replaceProductId.slice(0, 20)));
  }
  const amount = cents(items.reduce((sum, item) => sum + item.price + item.shipping, 0));
  // An upsale is charged to the order's pay source; a redirect payment needs the shopper's approval
  // again, so PREPAID (named now, or the order's own) answers MERC_REDIRECT to its stand-in page.
  if (params.paySource && params.paySource !== 'PREPAID') return error(MESSAGES.upsalePaySource(params.paySource.slice(0, 20)));
  const prepaidType = params.paySource === 'PREPAID' ? params.prepaidType : order.paySource === 'PREPAID' ? order.prepaidType : undefined;
  if (params.paySource === 'PREPAID' || prepaidType) {
    const refused = checkPrepaid(params, prepaidType);
    if (refused) return refused;
    const token = hex(12);
    ctx.store.putPending({
      token,
      kind: 'prepaid',
      prepaidType,
      orderId: order.orderId,
      upsale: { items, replaceProductId },
      redirectsTo: params.redirectsTo,
      errorRedirectsTo: params.errorRedirectsTo,
      approved: false,
      used: false,
    });
    order.transactions.push({ type: 'UPSALE', status: 'PENDING_REDIRECT', amount, at: isoNow(ctx) });
    return pendingRedirect(ctx, params, 'prepaid', token);
  }
  if (order.cardOutcome === 'approve-decline-upsales') {
    const message = 'Transaction Declined: Insufficient Funds';
    order.transactions.push({ type: 'UPSALE', status: 'DECLINED', amount, message, at: isoNow(ctx) });
    return error(message);
  }
  if (order.cardOutcome === '3ds') {
    if (!params.redirectsTo || !params.errorRedirectsTo) return error(MESSAGES.redirectsRequired('3-D Secure'));
    const token = hex(12);
    ctx.store.putPending({
      token,
      kind: '3ds',
      orderId: order.orderId,
      upsale: { items, replaceProductId },
      redirectsTo: params.redirectsTo,
      errorRedirectsTo: params.errorRedirectsTo,
      approved: false,
      used: false,
    });
    order.transactions.push({ type: 'UPSALE', status: 'PENDING_3DS', amount, at: isoNow(ctx), threeDs: 'challenge' });
    return pendingRedirect(ctx, params, '3ds', token);
  }
  addUpsale(order, campaign, items, replaceProductId, ctx);
  order.transactions.push({ type: 'UPSALE', status: 'APPROVED', amount, at: isoNow(ctx) });
  return success(publicOrder(order));
}

function addUpsale(order: Order, campaign: Campaign, items: OrderItem[], replaceProductId: number | undefined, ctx: ApiContext) {
  if (replaceProductId !== undefined) order.items = order.items.filter((item) => item.productId !== replaceProductId);
  order.items.push(...items);
  order.dateUpdated = isoNow(ctx);
  applyTotals(order, campaign);
}

// ---------------------------------------------------------------- 3-D Secure, PayPal and alternative-payment pages

/** The challenge page's approve button: finishes the pending charge. Returns the order, or a reason. */
export function approvePending(token: string, ctx: ApiContext): { order: Order; charge: PendingCharge } | string {
  const charge = ctx.store.pending.get(token);
  if (!charge || charge.used) return 'This payment session has expired or was already used.';
  const order = ctx.store.orders.get(charge.orderId);
  if (!order) return 'The order for this payment no longer exists.';
  charge.approved = true;
  if (charge.kind === 'paypal') return { order, charge };
  charge.used = true;
  if (charge.upsale) {
    const campaign = ctx.campaigns.get(order.campaignId) as Campaign;
    addUpsale(order, campaign, charge.upsale.items, charge.upsale.replaceProductId, ctx);
    const pending = order.transactions.findLast((t) => t.type === 'UPSALE' && t.status.startsWith('PENDING'));
    if (pending) pending.status = 'APPROVED';
  } else {
    completeSale(order, ctx);
  }
  return { order, charge };
}

/** The challenge page's fail button (or PayPal's cancel): the charge is not made. */
export function failPending(token: string, ctx: ApiContext): { charge: PendingCharge } | string {
  const charge = ctx.store.pending.get(token);
  if (!charge || charge.used) return 'This payment session has expired or was already used.';
  charge.used = true;
  const order = ctx.store.orders.get(charge.orderId);
  if (order) {
    const pending = order.transactions.findLast((t) => t.status.startsWith('PENDING'));
    if (pending) pending.status = charge.kind === '3ds' ? 'FAILED_3DS' : 'CANCELLED';
    if (!charge.upsale && order.orderStatus === 'PENDING') order.orderStatus = 'DECLINED';
  }
  return { charge };
}

// ---------------------------------------------------------------- Confirm PayPal

export function confirmPaypal(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const payerId = params.payerId ?? params.PayerID;
  if (!params.token || !payerId) return error(MESSAGES.paypalParams);
  const charge = ctx.store.pending.get(params.token);
  if (!charge || charge.kind !== 'paypal') return error(MESSAGES.paypalToken(params.token.slice(0, 40)));
  if (charge.used) return error(MESSAGES.paypalUsed);
  if (!charge.approved) return error(MESSAGES.paypalNotApproved);
  const order = ctx.store.orders.get(charge.orderId);
  if (!order) return error(MESSAGES.orderNotFound(charge.orderId));
  charge.used = true;
  order.cardOutcome = 'approve';
  const metadataId = params.paypalClientMetadataId ?? charge.paypalClientMetadataId;
  completeSale(order, ctx, metadataId ? { paypalClientMetadataId: metadataId } : {});
  linkSession(ctx, order, params.sessionId);
  return success(publicOrder(order));
}

// ---------------------------------------------------------------- Confirm Order and Query Order

export function confirmOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId) return error(MESSAGES.orderIdRequired);
  const order = lookupOrder(params.orderId, ctx);
  if (isAnswer(order)) return order;
  if (order.orderStatus !== 'COMPLETE') return error(MESSAGES.confirmNeedsComplete(order.orderId, order.orderStatus));
  order.confirmations += 1;
  return success(publicOrder(order));
}

/** Konnektive's Query Order (`/order/query/`), used by the proxy to settle a lost answer. */
export function queryOrder(params: Params, ctx: ApiContext): KonnektiveAnswer {
  if (!params.orderId && !params.emailAddress) return error(MESSAGES.queryParams);
  const matches = [...ctx.store.orders.values()]
    .reverse()
    .filter((order) => !params.orderId || order.orderId === params.orderId)
    .filter((order) => !params.emailAddress || order.customer.emailAddress === params.emailAddress)
    .filter((order) => !params.campaignId || String(order.campaignId) === params.campaignId);
  if (matches.length === 0) return error(MESSAGES.queryEmpty);
  const perPage = Math.min(Math.max(Number(params.resultsPerPage) || 25, 1), 200);
  const page = Math.max(Number(params.page) || 1, 1);
  return success({
    totalResults: matches.length,
    resultsPerPage: perPage,
    page,
    data: matches.slice((page - 1) * perPage, page * perPage).map(publicOrder),
  });
}
