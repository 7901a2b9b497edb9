import { jsonTextResponse } from './body.js';
import { errorEnvelope } from '../shared/konnektive.js';
import { JSON_TYPE, textAnswer, type ProxyAnswer } from './exchange.js';

/**
 * Every answer the proxy gives on its own, with its status. The codes are stable: pages and
 * monitoring may branch on them. Messages say what to do, never how the proxy works inside.
 */
export const REFUSALS = {
  bad_body: [400, 'The request body could not be read. Send JSON or a form (application/x-www-form-urlencoded).'],
  bad_encoding: [400, 'The request body is not valid UTF-8.'],
  bad_field: [400, 'A field has a value the proxy cannot accept.'],
  duplicate_field: [400, 'A field was sent more than once.'],
  too_many_fields: [400, 'The request has too many fields.'],
  field_too_long: [400, 'A field is too long.'],
  invalid_card: [400, 'Please check the card details: the fields named in `fields` are not valid.'],
  bad_pay_source: [400, 'paySource must be CREDITCARD, PAYPAL or PREPAID.'],
  bad_prepaid_type: [400, 'paySource PREPAID needs a prepaidType (KLARNA, IDEAL, BANCONTACT, BLIK, P24, EPS, TWINT, TRUSTLY, SWISH, MBWAY, MULTIBANCO, BIZUM or PAYU), and prepaidType needs paySource PREPAID.'],
  bad_redirect: [400, 'Redirect URLs must point at this site.'],
  missing_idempotency_key: [400, 'Orders and upsales need an Idempotency-Key header, so a resent request can never charge twice.'],
  bad_idempotency_key: [400, 'The Idempotency-Key header must be 8 to 128 letters, digits, "-" or "_".'],
  bad_return_link: [400, 'This payment return link is invalid or has expired.'],
  credentials_in_request: [403, 'loginId and password are added by the proxy; a request carrying them is refused.'],
  price_override: [403, 'Price, shipping and tax overrides are not allowed from the browser.'],
  campaign_not_allowed: [403, 'This campaignId is not allowed on this proxy.'],
  origin_not_allowed: [403, 'Requests from this origin are not allowed. Add it to KFUNNEL_ALLOWED_ORIGINS.'],
  origin_required: [403, 'Payment requests must come from a page on an allowed origin (Origin or Referer header).'],
  order_not_in_session: [403, 'This order belongs to another visitor session.'],
  order_required: [400, 'This call needs the orderId of an order made in this browser.'],
  not_your_order: [403, 'This order or session was not started in this browser. Continue from the page where the order was made.'],
  host_not_allowed: [403, 'This host is not one of the proxy\'s public origins; set KFUNNEL_PUBLIC_URL to the site\'s address.'],
  unknown_route: [404, 'Unknown kfunnel route.'],
  method_not_allowed: [405, 'Method not allowed.'],
  in_progress: [409, 'This payment is still being processed. Wait a moment, then try again: it will not be charged twice.'],
  payload_too_large: [413, 'The request body is too large.'],
  unsupported_media_type: [415, 'Send the body as application/json or application/x-www-form-urlencoded.'],
  idempotency_key_reused: [422, 'This Idempotency-Key was already used for a different request. Start a new attempt with a new key.'],
  rate_limited: [429, 'Too many requests. Wait a moment and try again.'],
  too_many_attempts: [429, 'Too many payment attempts from this browser. Wait a while, then try again.'],
  upstream_unreachable: [502, 'The payment system could not be reached. Please try again in a moment.'],
  upstream_error: [502, 'The payment system answered with an error. Please try again in a moment.'],
  upstream_bad_response: [502, 'The payment system sent an answer that could not be read. Please try again.'],
  upstream_timeout: [504, 'The payment system did not answer in time. Please try again: a retry of the same request is never charged twice.'],
  internal_error: [500, 'The proxy failed to handle this request.'],
  store_unavailable: [503, 'Payments are paused for a moment (the proxy cannot reach its store). Please try again shortly: nothing was charged.'],
  store_full: [503, 'Payments are paused for a moment (the proxy is at capacity). Please try again shortly: nothing was charged.'],
} as const satisfies Record<string, readonly [number, string]>;

export type RefusalCode = keyof typeof REFUSALS;

export class Refusal {
  constructor(
    readonly code: RefusalCode,
    /** Extra detail for the visitor or developer (never internals): a field name, an origin. */
    readonly detail?: string,
    /** Seconds to wait before retrying, sent as Retry-After. */
    readonly retryAfter?: number,
    /** Per field, the message the browser shows next to it: a key of its catalog and the key's values. */
    readonly fields?: Record<string, unknown>,
  ) {}


  get status(): number {
    return REFUSALS[this.code][0];
  }

  get message(): string {
    const base = REFUSALS[this.code][1];
    return this.detail ? `${base} (${this.detail})` : base;
  }

  /** The JSON body: the error envelope with this refusal's message and code. */
  get body(): string {
    return JSON.stringify({ ...errorEnvelope(this.message, this.code), ...(this.fields && { fields: this.fields }) });
  }

  toAnswer(headers: Record<string, string> = {}): ProxyAnswer {
    return textAnswer(this.status, JSON_TYPE, this.body, headers);
  }

  toResponse(headers: Record<string, string> = {}): Response {
    return jsonTextResponse(this.status, this.body, headers);
  }
}
