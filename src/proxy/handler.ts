import { ENDPOINTS, type RouteName } from '../shared/konnektive.js';
import { mediaType } from './body.js';
import { summarize } from './answer.js';
import { resolveConfig, type ProxyConfig, type ProxyOptions } from './config.js';
import { Completion } from './completion.js';
import { fromWebRequest, HTML_TYPE, urlOf, JSON_TYPE, textAnswer, toWebResponse, type Answer, type ProxyAnswer, type ProxyRequest } from './exchange.js';
import { ExactlyOnce, refusalOutcome, summaryOf, within, type Outcome } from './idempotency.js';
import { formatLogLine, redactor, type LogEntry } from './log.js';
import { callerOrigin, isAllowedOrigin, isAllowedUrl, publicOrigin, visitorAddress } from './origin.js';
import { readFields } from './params.js';
import { applyPolicy, paramsFor, ROUTE_POLICY, type RoutePolicy } from './policy.js';
import { RateLimiter } from './rate-limit.js';
import { Refusal } from './refusals.js';
import { returnLocation, returnUrls, verifyReturn } from './return-leg.js';
import { randomId, sha256, shortHash, Signer } from './signing.js';
import { StoreFullError, StoreUnavailableError } from './store.js';
import { queryOrder, settleLostAnswer } from './upstream.js';
import {
  COOKIE_LIFETIME,
  Grants,
  HANDOFF_HEADER,
  newVisitorId,
  PURCHASE_COOKIE,
  requestCookie,
  setCookie,
  signHandoff,
  verifyHandoff,
  VISITOR_HEADER,
  visitorCookie,
  visitorOf,
  type CookieScope,
} from './visitor.js';
import { serveScript } from './script-asset.js';
import { cardProblems } from '../shared/cards.js';
import { keepPaypalOrder, withPaypalOrder } from './paypal-resend.js';
import { Purchases, withoutPurchase, withPurchase } from './purchase.js';

/** What the runtime knows about the connection: the TCP peer, when there is one. */
export interface ConnectionInfo {
  clientAddress?: string;
  /**
   * For runtimes that stop a request's work once its answer is sent (Cloudflare Workers:
   * `ctx.waitUntil`): a money call that outlives the browser's wait is handed here to keep running, so
   * it finishes and records its answer for the retry instead of being cut off mid-flight.
   */
  waitUntil?: (work: Promise<unknown>) => void;
}

export type ProxyHandler = ((request: Request, info?: ConnectionInfo) => Promise<Response>) & { close?: () => Promise<void> };

/** The pipeline behind a handler, on the small request/answer interface (exchange.ts) that adapters feed directly. */
export type ProxyPipeline = (request: ProxyRequest, info?: ConnectionInfo) => Promise<Answer>;

/** Where a handler made by createProxyHandler keeps its pipeline, for the Node adapters. */
export const PIPELINE = Symbol('kfunnel.pipeline');

/** The pipeline of a handler made by createProxyHandler; undefined for any other function. */
export function pipelineOf(handler: ProxyHandler): ProxyPipeline | undefined {
  return (handler as ProxyHandler & { [PIPELINE]?: ProxyPipeline })[PIPELINE];
}

/** Everything one API call needs once its request has been read and checked. */
interface Call {
  route: RouteName;
  policy: RoutePolicy;
  params: Record<string, string>;
  /** The visitor the call is made for (new ones get their cookie with this answer). */
  visitor: string;
  /** The visitor came with its cookie (or header): it may hold orders. */
  known: boolean;
  /** The proxy's public origin for this request; only money calls require one. */
  self: string | undefined;
  timeoutMs: number;
  entry: LogEntry;
  headers: Record<string, string>;
  /** Set-Cookie values for the answer. */
  cookies: string[];
  /** ConnectionInfo.waitUntil: keeps work going after the answer on runtimes that would cut it. */
  waitUntil?: (work: Promise<unknown>) => void;
  /** The orderId of the lead the proxy made for this order: the visitor's even when the order is declined. */
  madeOrderId?: string;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/;
const EXPOSED_HEADERS = 'X-Request-Id, Idempotent-Replayed, KFunnel-Ignored-Fields, KFunnel-Visitor, KFunnel-Handoff';
const ALLOWED_HEADERS = 'Content-Type, Idempotency-Key, KFunnel-Visitor, KFunnel-Handoff';
/** The sandbox's public credentials: a secret derived from them would be public too. */
const PUBLIC_CREDENTIALS = 'sandbox:sandbox';
const HOUR_MS = 60 * 60 * 1000;

/**
 * Request ids: 16 hex characters, a random prefix per instance and a counter, so unique without a
 * random draw per request. The prefix ends in a letter: prefix and counter never join into a digit
 * run that the log's card-number mask would hide, and the logged id always matches X-Request-Id.
 */
export function requestIdMaker(seed: number): () => string {
  const prefix = (seed >>> 4).toString(16).padStart(7, '0') + 'abcdef'[(seed >>> 0) % 6];
  let counter = 0;
  return () => `${prefix}${(++counter % 2 ** 32).toString(16).padStart(8, '0')}`;
}

/** The signing secret: configured, else derived from real credentials, else (public demo credentials) random per process. */
function signingSecret(config: ProxyConfig): string {
  if (config.secret) return config.secret;
  if (`${config.loginId}:${config.password}` === PUBLIC_CREDENTIALS) return randomId();
  return `kfunnel-return:${config.loginId}:${config.password}`;
}

/**
 * The same-origin proxy as a web-standard fetch handler. It adds the Konnektive credentials, applies
 * the field policy, refuses other origins and hosts, binds orders to the visitor that made them, and
 * makes every money call happen exactly once.
 */
export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const config: ProxyConfig = resolveConfig(options);
  // Seeded here, not at module load: Workers refuse random values in global scope, so a module-level
  // draw would stop the Worker from starting at all.
  const requestId = requestIdMaker(crypto.getRandomValues(new Uint32Array(1))[0] ?? 0);
  const signer = new Signer(signingSecret(config));
  const store = config.store;
  const limiter = new RateLimiter(store, config.rateLimitPerMinute);
  const grants = new Grants(store, config.grantTtlMs);
  const purchases = new Purchases(store, config.grantTtlMs);
  const exactlyOnce = new ExactlyOnce(store, { ttlMs: config.idempotencyTtlMs, leaseMs: config.leaseMs });
  const completion = new Completion(config);
  const redact = redactor([config.loginId, config.password, config.secret]);
  const paidKey = (orderId: string) => `paid:${orderId}`;

  /** Records a paid order, so a resubmitted checkout for it is answered as before, not charged. */
  const markPaid = (orderId: string, body: string) => store.put(paidKey(orderId), body, config.idempotencyTtlMs, { keep: true }).then(() => completion.touch(orderId));

  /** One call to Konnektive, as an outcome for the browser; remembers the orders it gives the visitor. */
  async function send(call: Call, route: RouteName, params: Record<string, string>, timeoutMs: number) {
    const result = await completion.forward(route, params, timeoutMs);
    if (!result.ok) return { outcome: refusalOutcome(new Refusal(result.code), false, result.detail), answer: summarize(undefined), parsed: undefined };
    const answer = summarize(result.answer);
    if (answer.orderId && ROUTE_POLICY[route].grantsOrder) {
      // A lead made while the store is down still reaches the browser (no lead is lost); without the
      // grant its orderId is refused later, and the script then starts a new lead.
      await grants.add(call.visitor, [answer.orderId]).catch((error) => {
        if (call.policy.money) throw error;
      });
    }
    return { outcome: { status: 200, body: result.text, known: true, summary: answer } as Outcome, answer, parsed: result.answer };
  }

  /** Sends a call once: makes the order's lead when needed, signs its return links, records it when paid. */
  async function sendCall(call: Call, knownOrderId: string | undefined, progress: (orderId: string) => Promise<void>, timeoutMs: number): Promise<Outcome> {
    const { policy, route } = call;
    const params = { ...call.params };
    if (knownOrderId) params.orderId = knownOrderId;
    if (policy.makesLead && !params.orderId) {
      // Make the lead first, so a lost answer of the order can be settled by its orderId.
      const lead = await send(call, 'lead', paramsFor('lead', params), config.timeoutMs);
      if (!lead.answer.orderId) return { ...lead.outcome, untouched: true };
      params.orderId = call.madeOrderId = lead.answer.orderId;
      await progress(lead.answer.orderId);
    }
    if (policy.paypalOrder === 'keep') await keepPaypalOrder(store, params);
    if (policy.paypalOrder === 'resend') Object.assign(params, await withPaypalOrder(store, params));
    if (policy.signedReturn) await signReturnLinks(call, params);
    const sent = await send(call, route, params, timeoutMs);
    const { outcome, answer } = sent;
    // Analytics never turn a charge into an error: without the store, the sale is simply not reported.
    const purchase = policy.tracksPurchase && sent.parsed !== undefined ? await purchases.fromAnswer(route, params, sent.parsed).catch(() => undefined) : undefined;
    // Stored with the answer; replays leave it out (withoutPurchase), so only this answer reports the sale.
    if (purchase) outcome.body = withPurchase(outcome.body, purchase);
    if (policy.recordsPaid && answer.completed && answer.orderId) await markPaid(answer.orderId, outcome.body);
    return outcome;
  }

  /** The browser names where to go next and where it came from; Konnektive gets signed links back to the proxy. */
  async function signReturnLinks(call: Call, params: Record<string, string>): Promise<void> {
    const back = params.errorRedirectsTo ?? params.salesUrl;
    const next = params.redirectsTo ?? back;
    if (!next || !back || !call.self || !params.orderId) return;
    const target = { next, back, orderId: params.orderId, visitor: await shortHash(call.visitor), origin: call.self };
    Object.assign(params, await returnUrls(signer, `${call.self}${config.basePath}`, target));
  }

  /** A lost answer, settled by asking Konnektive: the answer it must have had, null (it did not happen), undefined (cannot tell). */
  async function settle(call: Call, orderId: string | undefined, startedAt: number): Promise<Outcome | null | undefined> {
    const params = orderId ? { ...call.params, orderId } : call.params;
    const settled = await settleLostAnswer(config, call.policy.settle, params, startedAt);
    if (!settled) return settled;
    const body = JSON.stringify(settled);
    const answer = summarize(settled);
    if (call.policy.recordsPaid && answer.completed && answer.orderId) await markPaid(answer.orderId, body);
    if (answer.orderId && call.policy.grantsOrder) await grants.add(call.visitor, [answer.orderId]);
    return { status: 200, body, known: true, summary: answer };
  }

  /** At most keysPerVisitorPerHour new attempts per visitor: a flood of fresh keys cannot crowd out the store. */
  async function overQuota(visitor: string): Promise<boolean> {
    const count = await store.increment(`keys:${visitor}:${Math.floor(Date.now() / HOUR_MS)}`, HOUR_MS);
    return count > config.keysPerVisitorPerHour;
  }

  async function keyedCall(call: Call, key: string, scope: string, fingerprint: string): Promise<Outcome> {
    return exactlyOnce.run({
      key: `key:${call.route}:${scope}:${key}`,
      fingerprint,
      waitMs: call.timeoutMs,
      send: async (orderId, progress) => {
        if (call.policy.money && (await overQuota(scope))) return { ...refusalOutcome(new Refusal('too_many_attempts', undefined, 600), true), untouched: true };
        // The call may outlive the browser's wait: it keeps running so a retry can get its answer.
        return sendCall(call, orderId, progress, config.settleTimeoutMs);
      },
      settle: (orderId, startedAt) => settle(call, orderId, startedAt),
      keepAlive: call.waitUntil,
    });
  }

  async function apiCall(request: ProxyRequest, route: RouteName, info: ConnectionInfo, entry: LogEntry, headers: Record<string, string>): Promise<ProxyAnswer> {
    const policy = ROUTE_POLICY[route];
    const self = publicOrigin(request, config);
    const address = visitorAddress(request, info.clientAddress ?? '', config.trustProxy);
    const wait = await limiter.take(address || 'unknown').catch((error) => {
      // Without the store, clicks and leads still go through unlimited; money calls stop below anyway.
      if (policy.money) throw error;
      return 0;
    });
    if (wait) throw new Refusal('rate_limited', undefined, wait);
    const origin = callerOrigin(request);
    if (origin === null ? policy.money : !isAllowedOrigin(origin, self, request, config)) {
      await request.discard();
      throw origin === null ? new Refusal('origin_required') : new Refusal('origin_not_allowed', origin.slice(0, 100));
    }
    if (policy.money && !self) throw new Refusal('host_not_allowed', urlOf(request).host.slice(0, 100));
    const key = request.headers.get('idempotency-key');
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) throw new Refusal('bad_idempotency_key');
    if (key === null && policy.money) throw new Refusal('missing_idempotency_key');

    const fields = await readFields(request, config.maxBodyBytes);
    const { params, ignored } = applyPolicy(route, fields, config);
    const cardProblem = policy.checksCard && (params.paySource ?? 'CREDITCARD') === 'CREDITCARD' ? cardProblems(params, new Date()) : undefined;
    if (cardProblem) throw new Refusal('invalid_card', Object.keys(cardProblem).join(', '), undefined, cardProblem);
    if (ignored.length) {
      entry.ignored = ignored.slice(0, 20);
      headers['kfunnel-ignored-fields'] = ignored.slice(0, 20).map((n) => n.replace(/[^\w-]/g, '?').slice(0, 40)).join(', ');
    }
    // What the browser asked for, before the proxy's additions: a resend of one attempt matches it.
    const keyed = key !== null && policy.idempotent;
    const fingerprint = keyed ? await sha256(JSON.stringify([route, Object.entries(params).sort()])) : '';
    for (const field of ['salesUrl', 'redirectsTo', 'errorRedirectsTo']) {
      if (params[field] !== undefined && !(self && isAllowedUrl(params[field], self, config))) throw new Refusal('bad_redirect', field);
    }

    const known = visitorOf(request);
    const visitor = known ?? newVisitorId();
    const scope: CookieScope = { secure: (self ?? request.url).startsWith('https:'), domain: config.cookieDomain };
    // Renewed with every page view, so it never expires before the kf_oid cookie and the grants it unlocks.
    const cookies: string[] = !known || policy.renewsVisitor ? [visitorCookie(visitor, scope)] : [];
    if (headers['access-control-allow-origin']) headers[VISITOR_HEADER] = visitor;

    const handoff = policy.redeemsHandoff ? request.headers.get(HANDOFF_HEADER) : null;
    if (handoff) {
      const redeemed = await redeemHandoff(handoff, visitor).catch(() => ({ result: 'unavailable', orderIds: [] }));
      entry.handoff = redeemed.result;
      // The page on this domain learns the order it now holds, as the one it came from knew it.
      const latest = redeemed.orderIds.at(-1);
      if (latest) cookies.push(setCookie('kf_oid', latest, COOKIE_LIFETIME.kf_oid, scope));
    }

    if (params.orderId !== undefined ? !(await grants.holds(known && visitor, params.orderId)) : policy.order === 'required') {
      throw new Refusal(params.orderId === undefined ? 'order_required' : 'not_your_order');
    }
    if (policy.addIpAddress && address) params.ipAddress = address;
    if (policy.addUserAgent) {
      const agent = request.headers.get('user-agent');
      if (agent) params.userAgent = agent.slice(0, 500);
    }
    if (policy.paypalMerchant && params.paySource === 'PAYPAL' && config.paypalMerchantId) {
      params.forceMerchantId = config.paypalMerchantId;
      params.paypalBillerId = config.paypalMerchantId;
    }

    const call: Call = { route, policy, params, visitor, known: known !== undefined, self, timeoutMs: policy.money ? config.moneyTimeoutMs : config.timeoutMs, entry, headers, cookies, waitUntil: info.waitUntil };
    let outcome: Outcome | undefined;
    if (policy.replaysPaid && params.orderId) {
      // This order is already paid: answer as Konnektive did then, and charge nothing.
      const paid = await store.get(paidKey(params.orderId));
      if (paid !== undefined) outcome = { status: 200, body: paid, known: true, replayed: 'key' };
      if (outcome) headers['idempotent-replayed'] = entry.replayed = 'order-complete';
    }
    if (!outcome && keyed) {
      // Keys are the visitor's own: nobody can claim, or replay, another visitor's attempt.
      outcome = await keyedCall(call, key, known ?? 'anonymous', fingerprint).catch((error) => {
        // Without the store a lead or confirm goes out unkeyed (a repeat is harmless there); money never does.
        if (policy.money || !(error instanceof StoreUnavailableError)) throw error;
        return undefined;
      });
      if (outcome?.replayed) headers['idempotent-replayed'] = 'true';
      entry.replayed = outcome?.replayed;
    }
    // Only the answer that made the sale reports it: every replay, of a key or of a paid order, goes without.
    if (outcome?.replayed === 'key') outcome = { ...outcome, body: withoutPurchase(outcome.body) };
    if (!outcome) {
      const result = await within(sendCall(call, undefined, async () => {}, call.timeoutMs), call.timeoutMs + 1000);
      outcome = typeof result === 'symbol' ? refusalOutcome(new Refusal('upstream_timeout'), false) : result;
    }
    if (policy.renewsVisitor && known && requestCookie(request, PURCHASE_COOKIE)) {
      // A sale completed on the return leg (3-D Secure, a redirect payment): this page reports it, once.
      const held = summaryOf(outcome).result === 'SUCCESS' ? await purchases.take(await shortHash(known)).catch(() => undefined) : undefined;
      if (held) outcome = { ...outcome, body: withPurchase(outcome.body, held) };
      cookies.push(setCookie(PURCHASE_COOKIE, '', 0, scope, true));
    }
    await answerCookies(call, outcome, scope);
    const answer = respond(outcome, headers, entry);
    answer.cookies = cookies;
    return answer;
  }

  /** kf_sid / kf_oid set by the server (Safari keeps these for their whole lifetime), and a fresh hand-off grant. */
  async function answerCookies(call: Call, outcome: Outcome, scope: CookieScope): Promise<void> {
    if (outcome.status !== 200) return;
    const answer = summaryOf(outcome);
    const sessionId = answer.sessionId ?? call.params.sessionId;
    if (answer.sessionId) call.cookies.push(setCookie('kf_sid', answer.sessionId, COOKIE_LIFETIME.kf_sid, scope));
    // A declined order the proxy made the lead for leaves the visitor its orderId: a retry reuses the lead.
    const orderId = answer.orderId ?? call.madeOrderId;
    if (orderId && call.policy.grantsOrder) call.cookies.push(setCookie('kf_oid', orderId, COOKIE_LIFETIME.kf_oid, scope));
    // A hand-off matters once the visitor holds an order (a bare ?sessionId= already carries the session),
    // so presell and lead pages, most of the traffic, sign nothing.
    if (sessionId && answer.result === 'SUCCESS' && call.known) {
      try {
        const orders = await grants.orders(call.visitor);
        if (orders.length) call.headers[HANDOFF_HEADER] = await signHandoff(signer, sessionId, orders);
      } catch {
        // Without the store there is no hand-off to give; the answer itself stands.
      }
    }
  }

  /** A signed hand-off from another domain grants its orders to this visitor, once. */
  async function redeemHandoff(token: string, visitor: string): Promise<{ result: string; orderIds: string[] }> {
    const handoff = await verifyHandoff(signer, token);
    if (!handoff) return { result: 'refused', orderIds: [] };
    if (!(await store.create(`handoff:${handoff.nonce}`, visitor, 2 * 60 * 60 * 1000))) return { result: 'used', orderIds: [] };
    await grants.add(visitor, handoff.orderIds);
    return { result: 'granted', orderIds: handoff.orderIds };
  }

  const respond = (outcome: Outcome, headers: Record<string, string>, entry: LogEntry): ProxyAnswer => {
    entry.status = outcome.status;
    entry.result ??= outcome.code ?? summaryOf(outcome).result;
    if (outcome.upstream) entry.upstream = outcome.upstream;
    return textAnswer(outcome.status, JSON_TYPE, outcome.body, headers);
  };

  async function returnLeg(request: ProxyRequest, kind: 's' | 'e', token: string, entry: LogEntry): Promise<Response> {
    const target = await verifyReturn(signer, token);
    // A link only works on the host it was made for: a copy sent to another host goes nowhere.
    if (!target || publicOrigin(request, config) !== target.origin) throw new Refusal('bad_return_link');
    const visitor = visitorOf(request);
    if (visitor && (await shortHash(visitor)) !== target.visitor) throw new Refusal('not_your_order');
    const params: Record<string, string> = Object.fromEntries(urlOf(request).searchParams);
    if (request.method === 'POST') Object.assign(params, await returnFields(request));
    entry.status = 303;
    entry.result = kind === 's' ? 'return-success' : 'return-error';
    const headers = new Headers({ location: returnLocation(kind, target, params), 'cache-control': 'no-store' });
    if (kind === 's') {
      // Whatever was posted about the order is ignored: Konnektive says whether it is paid.
      const order = await queryOrder(config, target.orderId);
      if (order?.orderStatus === 'COMPLETE') {
        await markPaid(target.orderId, JSON.stringify({ result: 'SUCCESS', message: order }));
        // The sale is reported by the visitor's next page: its click answer carries it (the cookie says to look).
        const found = await purchases.fromReturn(order).catch(() => undefined);
        if (found && (await purchases.hold(target.visitor, found).then(() => true, () => false))) {
          headers.append('set-cookie', setCookie(PURCHASE_COOKIE, '1', 15 * 60, { secure: target.origin.startsWith('https:'), domain: config.cookieDomain }, true));
        }
      }
    }
    return new Response(null, { status: 303, headers });
  }

  async function returnFields(request: ProxyRequest): Promise<Record<string, string>> {
    const fields: Record<string, string> = {};
    const bytes = await request.read(config.maxBodyBytes);
    if (bytes === null) throw new Refusal('payload_too_large');
    if (mediaType(request) === 'multipart/form-data') {
      const form = await new Response(bytes, { headers: { 'content-type': request.headers.get('content-type') ?? '' } }).formData().catch(() => {
        throw new Refusal('bad_body');
      });
      for (const [name, value] of form) if (typeof value === 'string') fields[name] = value;
    } else {
      for (const [name, value] of new URLSearchParams(new TextDecoder().decode(bytes))) fields[name] = value;
    }
    return fields;
  }

  async function dispatch(request: ProxyRequest, info: ConnectionInfo, entry: LogEntry, headers: Record<string, string>): Promise<Answer> {
    // The drop-in script itself, at `${basePath}/kfunnel.min.js` (see script-asset.ts); API calls are POSTs.
    const script = request.method === 'POST' ? undefined : await serveScript(request, config.basePath, config.script, entry);
    if (script) return script;
    const url = urlOf(request);
    const base = config.basePath;
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) throw new Refusal('unknown_route');
    const sub = url.pathname.slice(base.length);
    const [, kind, token] = sub.match(/^\/return\/([se])\/([A-Za-z0-9_.-]+)$/) ?? [];
    if (kind && token) {
      entry.route = 'return';
      if (request.method !== 'GET' && request.method !== 'POST') throw new Refusal('method_not_allowed');
      return returnLeg(request, kind as 's' | 'e', token, entry);
    }
    const route = sub.slice(1);
    if (!Object.hasOwn(ENDPOINTS, route)) throw new Refusal('unknown_route');
    entry.route = route;
    if (request.method === 'OPTIONS') return preflight(request, headers, entry);
    if (request.method !== 'POST') {
      headers.allow = 'POST, OPTIONS';
      throw new Refusal('method_not_allowed');
    }
    return apiCall(request, route as RouteName, info, entry, headers);
  }

  function preflight(request: ProxyRequest, headers: Record<string, string>, entry: LogEntry): ProxyAnswer {
    const origin = request.headers.get('origin');
    if (!origin || !headers['access-control-allow-origin']) throw new Refusal('origin_not_allowed', origin?.slice(0, 100));
    entry.status = 204;
    return {
      status: 204,
      headers: {
        ...headers,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': ALLOWED_HEADERS,
        'access-control-max-age': '600',
      },
      cookies: [],
      body: null,
    };
  }

  /** CORS headers, only ever for an allowed origin other than our own; never a wildcard. */
  function corsHeaders(request: ProxyRequest): Record<string, string> {
    const origin = request.headers.get('origin');
    if (!origin || !config.allowedOrigins.includes(origin) || origin === publicOrigin(request, config)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSED_HEADERS };
  }

  async function pipeline(request: ProxyRequest, info: ConnectionInfo = {}): Promise<Answer> {
    const started = performance.now();
    const entry: LogEntry = { id: requestId(), method: request.method.slice(0, 10), route: '-', status: 0, ms: 0 };
    let headers: Record<string, string> = {};
    let response: Answer;
    try {
      headers = corsHeaders(request);
      response = await dispatch(request, info, entry, headers);
    } catch (error) {
      const refusal = toRefusal(error);
      entry.status = refusal.status;
      entry.result = refusal.code;
      if (refusal.retryAfter) headers['retry-after'] = String(refusal.retryAfter);
      const navigation = (request.headers.get('accept') ?? '').includes('text/html') && entry.route === 'return';
      response = navigation ? textAnswer(refusal.status, HTML_TYPE, returnErrorPage(refusal.message, entry.id), headers) : refusal.toAnswer(headers);
      await request.discard();
    }
    if (response instanceof Response) response = withHeader(response, 'x-request-id', entry.id);
    else response.headers['x-request-id'] = entry.id;
    entry.ms = Math.round((performance.now() - started) * 10) / 10;
    try {
      config.log(redact(formatLogLine(entry)));
    } catch {
      // A failing logger must not fail the request.
    }
    return response;
  }

  const handle = async (request: Request, info?: ConnectionInfo): Promise<Response> => toWebResponse(await pipeline(fromWebRequest(request), info));
  return Object.assign(handle, { close: () => completion.close(), [PIPELINE]: pipeline });
}

function toRefusal(error: unknown): Refusal {
  if (error instanceof Refusal) return error;
  if (error instanceof StoreUnavailableError) return new Refusal('store_unavailable', undefined, 5);
  if (error instanceof StoreFullError) return new Refusal('store_full', undefined, 30);
  return new Refusal('internal_error');
}

function withHeader(response: Response, name: string, value: string): Response {
  try {
    response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, response);
    copy.headers.set(name, value);
    return copy;
  }
}

function returnErrorPage(message: string, requestId: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Payment return</title><body style="font-family:system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem">
<h1>We could not finish the payment redirect</h1><p>${message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}</p>
<p>Your payment may still have gone through: please do not pay again. Contact the store with reference <code>${requestId}</code>.</p></body></html>`;
}
