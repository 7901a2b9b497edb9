import { ENDPOINTS, type KonnektiveAnswer, type RouteName } from '../shared/konnektive.js';
import { fieldOf, ordersOf, parseAnswer, textOf, type KonnektiveOrder } from './answer.js';
import type { ProxyConfig } from './config.js';
import { formBody } from './form.js';
import type { RoutePolicy } from './policy.js';
import type { RefusalCode } from './refusals.js';

export type UpstreamResult =
  | { ok: true; answer: KonnektiveAnswer; text: string }
  | { ok: false; code: Extract<RefusalCode, `upstream_${string}`>; detail: string };

const QUERY_PATH = '/order/query/';

/**
 * Marks a fetch that takes `timeoutMs` in its init and enforces it itself, rejecting with a
 * TimeoutError (createNodeFetch does): the proxy then makes no AbortController per call, the largest
 * single cost of a click's own work on Node 20 (EventTarget set-up and listeners).
 */
export const TAKES_TIMEOUT = Symbol.for('kfunnel.fetch.takesTimeout');

/** One form-encoded POST to Konnektive with the credentials added. Never throws. */
export async function callKonnektive(
  config: ProxyConfig,
  path: string,
  params: Record<string, string>,
  timeoutMs: number,
): Promise<UpstreamResult> {
  const body = formBody(params, { loginId: config.loginId, password: config.password });
  const init: RequestInit & { timeoutMs?: number } = {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  };
  // A fetch that keeps the deadline itself (the Node client) gets it as a number; any other gets a
  // signal. A plain timer either way, not AbortSignal.timeout: on Node 20 every such signal is made
  // transferable, which cost a few percent of the proxy's CPU per call.
  let timer: ReturnType<typeof setTimeout> | undefined;
  if (TAKES_TIMEOUT in config.fetch) init.timeoutMs = timeoutMs;
  else {
    const controller = new AbortController();
    timer = setTimeout(() => controller.abort(new DOMException(`no answer in ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
    init.signal = controller.signal;
  }
  let response: Response;
  try {
    response = await config.fetch(config.apiUrl + path, init);
  } catch (error) {
    clearTimeout(timer);
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, code: 'upstream_timeout', detail: `no answer in ${timeoutMs} ms` };
    // The answer started and broke off: Konnektive may have acted.
    if (name === 'ResponseAborted') return { ok: false, code: 'upstream_bad_response', detail: 'answer cut off' };
    return { ok: false, code: 'upstream_unreachable', detail: causeOf(error) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, code: 'upstream_timeout', detail: 'answer cut off by timeout' };
    return { ok: false, code: 'upstream_bad_response', detail: `answer cut off: ${causeOf(error)}` };
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) return { ok: false, code: 'upstream_error', detail: `HTTP ${response.status}` };
  const answer = parseAnswer(text);
  if (answer) return { ok: true, answer, text };
  return { ok: false, code: 'upstream_bad_response', detail: `HTTP ${response.status}, not a Konnektive answer` };
}

function causeOf(error: unknown): string {
  return textOf(fieldOf(fieldOf(error, 'cause'), 'code')) ?? textOf(fieldOf(error, 'name')) ?? 'error';
}

export function forward(config: ProxyConfig, route: RouteName, params: Record<string, string>, timeoutMs: number) {
  return callKonnektive(config, ENDPOINTS[route], params, timeoutMs);
}

async function queryOrders(config: ProxyConfig, params: Record<string, string>): Promise<KonnektiveOrder[] | null> {
  const result = await callKonnektive(config, QUERY_PATH, { ...params, resultsPerPage: '25' }, config.timeoutMs);
  if (!result.ok) return null;
  return result.answer.result === 'SUCCESS' ? ordersOf(result.answer) : [];
}

/** One order as Konnektive has it now: undefined when it cannot be asked, null when there is no such order. */
export async function queryOrder(config: ProxyConfig, orderId: string): Promise<KonnektiveOrder | null | undefined> {
  const orders = await queryOrders(config, { orderId });
  if (orders === null) return undefined;
  return orders.find((o) => o.orderId === orderId) ?? null;
}

const hasItem = (order: KonnektiveOrder, productId: string | undefined) => {
  const items = order.items;
  return Array.isArray(items) && items.some((item: unknown) => String(fieldOf(item, 'productId')) === productId);
};

/**
 * A request whose answer was lost may or may not have happened at Konnektive. Before sending it again,
 * ask Query Order. Returns the answer the lost call must have had, `null` when it did not happen (safe
 * to send), or `undefined` when Konnektive cannot be asked right now (send nothing).
 */
export async function settleLostAnswer(
  config: ProxyConfig,
  settle: RoutePolicy['settle'],
  params: Record<string, string>,
  startedAt: number,
): Promise<KonnektiveAnswer | null | undefined> {
  const success = (order: KonnektiveOrder): KonnektiveAnswer => ({ result: 'SUCCESS', message: order });
  if (settle === 'order' || settle === 'upsale') {
    // Orders always carry an orderId by now (the proxy makes the lead first); an upsale without one is refused.
    if (!params.orderId) return null;
    const order = await queryOrder(config, params.orderId);
    if (order === undefined) return undefined;
    const productId = params.productId ?? params.product1_id;
    if (!order) return null;
    const happened = settle === 'upsale' ? hasItem(order, productId) : order.orderStatus === 'COMPLETE';
    return happened ? success(order) : null;
  }
  if (settle === 'lead' && !params.orderId && params.emailAddress) {
    const filter: Record<string, string> = { emailAddress: params.emailAddress };
    if (params.campaignId) filter.campaignId = params.campaignId;
    const orders = await queryOrders(config, filter);
    if (orders === null) return undefined;
    const lead = orders.find(
      (o) =>
        o.orderStatus === 'PARTIAL' &&
        o.firstName === params.firstName &&
        o.lastName === params.lastName &&
        Date.parse(String(o.dateCreated)) >= startedAt - 60_000,
    );
    return lead ? success(lead) : null;
  }
  // A lead update or a confirmation is harmless to repeat.
  return null;
}
