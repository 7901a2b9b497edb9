import { FIELD_MAX_LENGTH, LEAD_FIELDS } from '../../shared/konnektive.js';
import type { Campaign } from '../campaign.js';
import type { Order } from '../store.js';
import { hex, isoNow, type ApiContext, type Params } from './common.js';

/** Customer fields: what lead and order calls accept, their limits and checks, and a new order to hold them. */

/** The address and contact limits the browser also enforces, plus those of affiliate and custom fields. */
const LIMITS: Record<string, number> = { ...FIELD_MAX_LENGTH, affId: 10, couponCode: 50 };
for (let n = 1; n <= 5; n++) {
  LIMITS[`sourceValue${n}`] = 30;
  LIMITS[`custom${n}`] = 50;
}

export function checkLengths(values: Params, errors: Record<string, string>): void {
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
    if (/^(custom[1-5]|custom_(order|customer)_\w+|affId|sourceValue[1-5])$/.test(key)) out[key] = value;
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
  for (const field of ['FirstName', 'LastName', 'CompanyName', 'Address1', 'Address2', 'City', 'State', 'PostalCode', 'Country']) {
    const billing = customer[field[0].toLowerCase() + field.slice(1)];
    if (billing !== undefined) out[`ship${field}`] = billing;
  }
  return out;
}
