import { ENDPOINTS, type RouteName } from '../shared/konnektive.js';
import { htmlResponse, jsonTextResponse, mediaType, readBody } from '../server/body.js';
import { resolveConfig, type ProxyConfig, type ProxyOptions } from './config.js';
import type { IdempotencyRecord } from './idempotency.js';
import { formatLogLine, redactor, type LogEntry } from './log.js';
import { callerOrigin, isAllowedOrigin, isAllowedUrl, selfOrigin, visitorAddress } from './origin.js';
import { readFields } from './params.js';
import { applyPolicy, ROUTE_POLICY } from './policy.js';
import { RateLimiter } from './rate-limit.js';
import { Refusal } from './refusals.js';
import { finishedOrder, returnLocation, returnUrls, ReturnSigner } from './return-leg.js';
import { forward, settleLostAnswer } from './upstream.js';

/** What the runtime knows about the connection: the TCP peer, when there is one. */
export interface ConnectionInfo {
  clientAddress?: string;
}

export type ProxyHandler = (request: Request, info?: ConnectionInfo) => Promise<Response>;

/** An answer for the browser: Konnektive's (status 200) or the proxy's own envelope. */
interface Outcome {
  status: number;
  body: string;
  /** False when the answer was lost: whether Konnektive acted is not known. */
  known: boolean;
  code?: string;
  upstream?: string;
  /** Konnektive's result, when the proxy has already read the body. */
  result?: string;
}

interface Call {
  route: RouteName;
  params: Record<string, string>;
  fingerprint: string;
  timeoutMs: number;
  entry: LogEntry;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,128}$/;
const EXPOSED_HEADERS = 'X-Request-Id, Idempotent-Replayed, KFunnel-Ignored-Fields';
const TIMED_OUT = Symbol('timed out');

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
const requestId = requestIdMaker(crypto.getRandomValues(new Uint32Array(1))[0]);

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function refusalOutcome(refusal: Refusal, known: boolean, upstream?: string): Outcome {
  const body = JSON.stringify({ result: 'ERROR', message: refusal.message, code: refusal.code });
  return { status: refusal.status, body, known, code: refusal.code, upstream };
}

interface AnswerSummary {
  result?: string;
  completedOrderId?: string;
  sessionId?: string;
}

/** What the proxy needs from a Konnektive answer. */
function summarize(answer: any): AnswerSummary {
  const message = answer?.message;
  return {
    result: String(answer?.result),
    completedOrderId: answer?.result === 'SUCCESS' && message?.orderStatus === 'COMPLETE' ? String(message.orderId) : undefined,
    sessionId: typeof message?.sessionId === 'string' ? message.sessionId : undefined,
  };
}

/** The same for a stored answer, kept as its body text. */
function readAnswer(body: string): AnswerSummary {
  try {
    return summarize(JSON.parse(body));
  } catch {
    return {};
  }
}

/**
 * The same-origin proxy as a web-standard fetch handler. It adds the Konnektive credentials, applies
 * the field policy, refuses other origins, and makes every money call idempotent.
 */
export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const config: ProxyConfig = resolveConfig(options);
  const signer = new ReturnSigner(config.secret ?? `kfunnel-return:${config.loginId}:${config.password}`);
  const limiter = new RateLimiter(config.rateLimitPerMinute);
  const redact = redactor([config.loginId, config.password, config.secret]);
  const store = config.idempotencyStore;
  /** Calls this instance is forwarding right now, so concurrent duplicates wait for the same answer. */
  const inflight = new Map<string, Promise<Outcome>>();

  const respond = (outcome: Outcome, headers: Record<string, string>, entry: LogEntry): Response => {
    entry.status = outcome.status;
    entry.result ??= outcome.code ?? outcome.result ?? readAnswer(outcome.body).result;
    if (outcome.upstream) entry.upstream = outcome.upstream;
    return jsonTextResponse(outcome.status, outcome.body, headers);
  };

  /** Records a paid order, so a resubmitted checkout for it is answered as before, not charged. */
  const markPaid = (orderId: string, body: string, sessionId: string | undefined, startedAt: number) =>
    store.put(`order-complete:${orderId}`, { state: 'done', fingerprint: '', startedAt, status: 200, body, sessionId }, config.idempotencyTtlMs);

  /** Forwards once and records the outcome under the key; the caller waits at most timeoutMs. */
  function start(storeKey: string | undefined, call: Call): Promise<Outcome> {
    const work = (async (): Promise<Outcome> => {
      const startedAt = Date.now();
      // The call may outlive the browser's wait: it keeps running so a retry can get its answer.
      const result = await forward(config, call.route, call.params, storeKey ? config.settleTimeoutMs : call.timeoutMs);
      // upstream.ts has parsed the answer already to check it is one.
      const answer = result.ok ? summarize(result.answer) : {};
      const outcome: Outcome = result.ok
        ? { status: 200, body: result.text, known: true, result: answer.result }
        : refusalOutcome(new Refusal(result.code), false, result.detail);
      if (storeKey) {
        const record: IdempotencyRecord = outcome.known
          ? { state: 'done', fingerprint: call.fingerprint, startedAt, status: outcome.status, body: outcome.body, sessionId: call.params.sessionId }
          : { state: 'unknown', fingerprint: call.fingerprint, startedAt };
        await store.put(storeKey, record, config.idempotencyTtlMs);
      }
      if ((call.route === 'order' || call.route === 'paypal') && answer.completedOrderId) {
        await markPaid(answer.completedOrderId, outcome.body, call.params.sessionId ?? answer.sessionId, startedAt);
      }
      return outcome;
    })().catch(() => refusalOutcome(new Refusal('internal_error'), false));
    if (storeKey) {
      inflight.set(storeKey, work);
      work.finally(() => inflight.delete(storeKey));
    }
    return work;
  }

  async function waitFor(work: Promise<Outcome>, call: Call): Promise<Outcome> {
    const outcome = await within(work, call.timeoutMs);
    return outcome === TIMED_OUT ? refusalOutcome(new Refusal('upstream_timeout'), false, `no answer in ${call.timeoutMs} ms`) : outcome;
  }

  const replay = (record: Extract<IdempotencyRecord, { state: 'done' }>): Outcome => ({
    status: record.status,
    body: record.body,
    known: true,
  });

  /** Forward a call with an Idempotency-Key: at most once, whatever arrives how often. */
  async function once(key: string, call: Call, headers: Record<string, string>): Promise<Outcome> {
    const storeKey = `${call.route}:${key}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const record = await store.get(storeKey);
      if (!record) {
        const claimed = await store.create(storeKey, { state: 'pending', fingerprint: call.fingerprint, startedAt: Date.now() }, config.idempotencyTtlMs);
        if (claimed) return waitFor(start(storeKey, call), call);
        continue;
      }
      if (record.fingerprint !== call.fingerprint) throw new Refusal('idempotency_key_reused');
      headers['idempotent-replayed'] = 'true';
      call.entry.replayed = 'key';
      if (record.state === 'done') return replay(record);
      const running = inflight.get(storeKey);
      if (running) return waitFor(running, call);
      if (record.state === 'pending' && Date.now() - record.startedAt < config.settleTimeoutMs + call.timeoutMs) {
        return pollOtherInstance(storeKey, call);
      }
      // The first attempt's answer was lost: ask Konnektive what happened before sending anything again.
      const settled = await settleLostAnswer(config, call.route, call.params, record.startedAt);
      if (settled === undefined) return refusalOutcome(new Refusal('upstream_unreachable'), false, 'could not check the lost answer');
      if (settled) {
        const body = JSON.stringify(settled);
        await store.put(storeKey, { state: 'done', fingerprint: call.fingerprint, startedAt: record.startedAt, status: 200, body, sessionId: call.params.sessionId }, config.idempotencyTtlMs);
        call.entry.replayed = 'settled';
        return { status: 200, body, known: true };
      }
      delete headers['idempotent-replayed'];
      call.entry.replayed = undefined;
      await store.put(storeKey, { state: 'pending', fingerprint: call.fingerprint, startedAt: Date.now() }, config.idempotencyTtlMs);
      return waitFor(start(storeKey, call), call);
    }
    return refusalOutcome(new Refusal('in_progress'), false);
  }

  /** Another instance holds the key: wait for its answer in the shared store. */
  async function pollOtherInstance(storeKey: string, call: Call): Promise<Outcome> {
    const deadline = Date.now() + call.timeoutMs;
    while (Date.now() < deadline) {
      await sleep(200);
      const record = await store.get(storeKey);
      if (record?.state === 'done') return replay(record);
      if (record?.state !== 'pending') break;
    }
    return refusalOutcome(new Refusal('in_progress'), false);
  }

  async function apiCall(request: Request, route: RouteName, info: ConnectionInfo, entry: LogEntry, headers: Record<string, string>): Promise<Response> {
    const policy = ROUTE_POLICY[route];
    const self = selfOrigin(request, config.trustProxy);
    const address = visitorAddress(request, info.clientAddress ?? '', config.trustProxy);
    if (!limiter.take(address || 'unknown')) {
      throw Object.assign(new Refusal('rate_limited'), { retryAfter: limiter.retryAfter() });
    }
    const origin = callerOrigin(request);
    if (origin === null ? policy.money : !isAllowedOrigin(origin, self, config)) {
      await request.body?.cancel().catch(() => {});
      throw origin === null ? new Refusal('origin_required') : new Refusal('origin_not_allowed', origin.slice(0, 100));
    }
    const key = request.headers.get('idempotency-key');
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) throw new Refusal('bad_idempotency_key');
    if (key === null && policy.money) throw new Refusal('missing_idempotency_key');

    const fields = await readFields(request, config.maxBodyBytes);
    const { params, ignored } = applyPolicy(route, fields, config);
    if (ignored.length) {
      entry.ignored = ignored.slice(0, 20);
      headers['kfunnel-ignored-fields'] = ignored.slice(0, 20).map((n) => n.replace(/[^\w-]/g, '?').slice(0, 40)).join(', ');
    }
    // What the browser asked for, before the proxy's additions: a resend of one attempt matches it.
    const keyed = key !== null && policy.idempotent;
    const fingerprint = keyed ? await sha256(JSON.stringify([route, Object.entries(params).sort()])) : '';

    for (const field of ['salesUrl', 'redirectsTo', 'errorRedirectsTo']) {
      if (params[field] !== undefined && !isAllowedUrl(params[field], self, config)) throw new Refusal('bad_redirect', field);
    }
    if (route === 'order' || route === 'upsale') {
      // The browser names where to go next and where it came from; Konnektive gets signed return links.
      const back = params.errorRedirectsTo ?? params.salesUrl;
      const next = params.redirectsTo ?? back;
      if (next && back) Object.assign(params, await returnUrls(signer, `${self}${config.basePath}`, next, back));
      if (route === 'order' && params.paySource === 'PAYPAL' && config.paypalMerchantId) {
        params.forceMerchantId = config.paypalMerchantId;
        params.paypalBillerId = config.paypalMerchantId;
      }
    }
    if (policy.addIpAddress && address) params.ipAddress = address;
    if (policy.addUserAgent) {
      const agent = request.headers.get('user-agent');
      if (agent) params.userAgent = agent.slice(0, 500);
    }

    if ((route === 'order' || route === 'upsale') && params.orderId) {
      const completed = await store.get(`order-complete:${params.orderId}`);
      if (completed?.state === 'done') {
        if (route === 'order') {
          // This order is already paid: answer as Konnektive did then, and charge nothing.
          headers['idempotent-replayed'] = 'order-complete';
          entry.replayed = 'order-complete';
          return respond(replay(completed), headers, entry);
        }
        if (completed.sessionId && params.sessionId !== completed.sessionId) throw new Refusal('order_not_in_session');
      }
    }

    const timeoutMs = policy.money ? config.moneyTimeoutMs : config.timeoutMs;
    const call: Call = { route, params, fingerprint, timeoutMs, entry };
    const outcome = keyed ? await once(key, call, headers) : await waitFor(start(undefined, call), call);
    return respond(outcome, headers, entry);
  }

  async function returnLeg(request: Request, kind: 's' | 'e', token: string, entry: LogEntry): Promise<Response> {
    const target = await signer.verify(token);
    if (!target) throw new Refusal('bad_return_link');
    const params: Record<string, string> = Object.fromEntries(new URL(request.url).searchParams);
    if (request.method === 'POST') {
      const type = mediaType(request);
      const bytes = await readBody(request, config.maxBodyBytes);
      if (bytes === null) throw new Refusal('payload_too_large');
      const text = new TextDecoder().decode(bytes);
      if (type === 'multipart/form-data') {
        const form = await new Response(bytes, { headers: { 'content-type': request.headers.get('content-type') ?? '' } })
          .formData()
          .catch(() => {
            throw new Refusal('bad_body');
          });
        for (const [name, value] of form) if (typeof value === 'string') params[name] = value;
      } else {
        for (const [name, value] of new URLSearchParams(text)) params[name] = value;
      }
    }
    const order = kind === 's' ? finishedOrder(params.orderData) : undefined;
    // Recorded like a direct success: the order finished on the payment page, not in an answer we saw.
    if (order) await markPaid(order.orderId, JSON.stringify({ result: 'SUCCESS', message: order }), order.sessionId, Date.now());
    entry.status = 303;
    entry.result = kind === 's' ? 'return-success' : 'return-error';
    return new Response(null, { status: 303, headers: { location: returnLocation(kind, target, params), 'cache-control': 'no-store' } });
  }

  async function dispatch(request: Request, info: ConnectionInfo, entry: LogEntry, headers: Record<string, string>): Promise<Response> {
    const url = new URL(request.url);
    const base = config.basePath;
    if (url.pathname !== base && !url.pathname.startsWith(`${base}/`)) throw new Refusal('unknown_route');
    const sub = url.pathname.slice(base.length);
    const returning = sub.match(/^\/return\/([se])\/([A-Za-z0-9_.-]+)$/);
    if (returning) {
      entry.route = 'return';
      if (request.method !== 'GET' && request.method !== 'POST') throw new Refusal('method_not_allowed');
      return returnLeg(request, returning[1] as 's' | 'e', returning[2], entry);
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

  function preflight(request: Request, headers: Record<string, string>, entry: LogEntry): Response {
    const origin = request.headers.get('origin');
    if (!origin || !headers['access-control-allow-origin']) throw new Refusal('origin_not_allowed', origin?.slice(0, 100));
    entry.status = 204;
    return new Response(null, {
      status: 204,
      headers: {
        ...headers,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'Content-Type, Idempotency-Key',
        'access-control-max-age': '600',
      },
    });
  }

  /** CORS headers, only ever for an allowed origin other than our own; never a wildcard. */
  function corsHeaders(request: Request): Record<string, string> {
    const origin = request.headers.get('origin');
    if (!origin || !config.allowedOrigins.includes(origin) || origin === selfOrigin(request, config.trustProxy)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin', 'access-control-expose-headers': EXPOSED_HEADERS };
  }

  return async function handle(request: Request, info: ConnectionInfo = {}): Promise<Response> {
    const started = performance.now();
    const entry: LogEntry = { id: requestId(), method: request.method.slice(0, 10), route: '-', status: 0, ms: 0 };
    let headers: Record<string, string> = {};
    let response: Response;
    try {
      headers = corsHeaders(request);
      response = await dispatch(request, info, entry, headers);
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal('internal_error');
      entry.status = refusal.status;
      entry.result = refusal.code;
      const retryAfter = (error as { retryAfter?: number }).retryAfter;
      if (retryAfter) headers['retry-after'] = String(retryAfter);
      const navigation = (request.headers.get('accept') ?? '').includes('text/html') && entry.route === 'return';
      response = navigation
        ? htmlResponse(refusal.status, returnErrorPage(refusal.message, entry.id), headers)
        : refusal.toResponse(headers);
      await request.body?.cancel().catch(() => {});
    }
    response = withHeader(response, 'x-request-id', entry.id);
    entry.ms = Math.round((performance.now() - started) * 10) / 10;
    try {
      config.log(redact(formatLogLine(entry)));
    } catch {
      // A failing logger must not fail the request.
    }
    return response;
  };
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
