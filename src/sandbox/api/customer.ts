import { ADDRESS_FIELDS, AFFILIATE_FIELD, billing, CUSTOM_FIELD, FIELD_MAX_LENGTH, LEAD_FIELDS, OTHER_MAX_LENGTH } from '../../shared/konnektive.js';
import { EMAIL, KONNEKTIVE_PHONE } from '../../shared/rules.js';
import type { Campaign } from '../campaign.js';
import type { Order } from '../store.js';
import { hex, isoNow, type ApiContext, type Params } from './common.js';

/** Customer fields: what lead and order calls accept, their limits and checks, and a new order to hold them. */

const LIMITS: Readonly<Record<string, number>> = { ...FIELD_MAX_LENGTH, ...OTHER_MAX_LENGTH };

export function checkLengths(values: Params, errors: Record<string, string>): void {
  for (const [field, value] of Object.entries(values)) {
    const limit = LIMITS[field];
    if (limit && value.length > limit) errors[field] = `${field} must be at most ${limit} characters`;
  }
}

function checkContact(customer: Params, errors: Record<string, string>): void {
  for (const field of ['firstName', 'lastName']) if (!customer[field]) errors[field] = `${field} is required`;
  if (!customer.emailAddress && !customer.phoneNumber) {
    errors.emailAddress = 'emailAddress or phoneNumber is required';
  }
  if (customer.emailAddress && !EMAIL.test(customer.emailAddress)) {
    errors.emailAddress = 'emailAddress is not a valid email address';
  }
  if (customer.phoneNumber && !KONNEKTIVE_PHONE.test(customer.phoneNumber)) {
    errors.phoneNumber = 'phoneNumber may only contain digits and hyphens';
  }
}

/** What a lead or order call knows of the customer: the order's earlier data, overwritten only by fields sent now. */
export function customerUpdate(params: Params, order: Order | undefined) {
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
    if (AFFILIATE_FIELD.test(key) || CUSTOM_FIELD.test(key)) out[key] = value;
  }
  return out;
}

export function newOrder(ctx: ApiContext, campaign: Campaign): Order {
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

export function withBillingAsShipping(customer: Params): Params {
  const out: Params = { ...customer, billShipSame: '1' };
  for (const field of ADDRESS_FIELDS) {
    const value = customer[billing(field)];
    if (value !== undefined) out[`ship${field}`] = value;
  }
  return out;
}
