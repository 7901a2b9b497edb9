import { errorEnvelope, type KonnektiveAnswer } from '../shared/konnektive.js';
import { htmlResponse, jsonResponse, mediaType, readBody } from '../proxy/body.js';
import { listen, toNodeListener, type Listening } from '../server/node.js';
import {
  approvePending,
  confirmOrder,
  confirmPaypal,
  failPending,
  importClick,
  importLead,
  importOrder,
  importUpsale,
  MESSAGES,
  queryOrder,
  type ApiContext,
  type Params,
} from './api/index.js';
import { DEMO_CAMPAIGN, type Campaign } from './campaign.js';
import { FAULT_MODES, FaultSwitch, parseFaults, type Fault } from './faults.js';
import { alternativePaymentPage, challengePage, finalizePage, INSPECTOR_SCRIPT, inspectorPage, inspectorSections, messagePage, paypalPage } from './pages.js';
import { publicOrder, SandboxStore, snapshot } from './store.js';

export { DEMO_CAMPAIGN, loadCampaignFile, type Campaign } from './campaign.js';
export { TEST_CARDS } from './cards.js';
export type { Fault, FaultMode } from './faults.js';

export interface SandboxOptions {
  /** Accepted credentials; default: KONNEKTIVE_LOGIN_ID / KONNEKTIVE_PASSWORD, else sandbox / sandbox. */
  loginId?: string;
  password?: string;
  campaigns?: Campaign[];
  /** Clock, for tests of the upsell window. */
  now?: () => number;
  /**
   * Where browsers reach the sandbox's pages (3-D Secure, PayPal, alternative payments, test pixels):
   * - `'request'` (default): the origin the API call came in on (the standalone `kfunnel sandbox`);
   * - `'shop'`: the shop's own origin, under /_sandbox (`kfunnel serve` answers those paths itself, so
   *   a phone on the LAN or any host name works): the origin of the call's redirectsTo /
   *   errorRedirectsTo / salesUrl, and page-relative paths for pixels;
   * - an absolute URL: always that.
   */
  pages?: 'request' | 'shop' | string;
}

/** Konnektive paths (without the trailing slash) and the sandbox's handler for each. */
const API_ROUTES: Record<string, { name: string; handle: (params: Params, ctx: ApiContext) => KonnektiveAnswer }> = {
  '/landers/clicks/import': { name: 'click', handle: importClick },
  '/leads/import': { name: 'lead', handle: importLead },
  '/order/import': { name: 'order', handle: importOrder },
  '/transactions/confirmPaypal': { name: 'paypal', handle: confirmPaypal },
  '/upsale/import': { name: 'upsale', handle: importUpsale },
  '/order/confirm': { name: 'confirm', handle: confirmOrder },
  '/order/query': { name: 'query', handle: queryOrder },
};

const MAX_BODY = 1024 * 1024;
const MAX_PARAMS = 500;
const MAX_VALUE = 10_000;

const envelope = (status: number, message: string) => jsonResponse(status, errorEnvelope(message));

/** The pageBase of ApiContext for one request, per SandboxOptions.pages. */
function pageBaseFor(pages: SandboxOptions['pages'], requestOrigin: string): ApiContext['pageBase'] {
  if (pages && pages !== 'request' && pages !== 'shop') {
    const fixed = new URL(pages).origin;
    return () => fixed;
  }
  if (pages !== 'shop') return () => requestOrigin;
  return (params, absolute) => {
    for (const field of ['redirectsTo', 'errorRedirectsTo', 'salesUrl']) {
      try {
        const url = new URL(params[field] ?? '');
        if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
      } catch {
        // not a URL: try the next
      }
    }
    return absolute ? requestOrigin : '';
  };
}

/** A 1x1 transparent GIF, the body of the image half of a test pixel. */
const PIXEL_GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readParams(request: Request, url: URL): Promise<Params | Response> {
  const params: Params = {};
  const add = (key: string, value: string) => {
    params[key] = value; // Last one wins, as PHP reads repeated parameters.
  };
  url.searchParams.forEach((value, key) => add(key, value));
  if (request.method === 'POST') {
    const body = await readBody(request, MAX_BODY);
    if (body === null) return envelope(413, 'Request body is larger than 1 MB');
    const type = mediaType(request);
    if (body.byteLength > 0) {
      if (type === 'application/x-www-form-urlencoded' || type === '') {
        new URLSearchParams(new TextDecoder().decode(body)).forEach((value, key) => add(key, value));
      } else if (type === 'multipart/form-data') {
        let form: FormData;
        try {
          form = await new Response(body, { headers: { 'content-type': request.headers.get('content-type') as string } }).formData();
        } catch {
          return envelope(200, 'Malformed multipart/form-data body');
        }
        for (const [key, value] of form) if (typeof value === 'string') add(key, value);
      } else {
        return envelope(200, `Unsupported Content-Type ${type.slice(0, 60)}: send application/x-www-form-urlencoded or multipart/form-data`);
      }
    }
  }
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMS) return envelope(200, `Too many parameters (${keys.length}); the limit is ${MAX_PARAMS}`);
  const tooLong = keys.find((key) => (params[key] ?? '').length > MAX_VALUE || key.length > 200);
  if (tooLong) return envelope(200, `Parameter ${tooLong.slice(0, 60)} is too long`);
  return params;
}

/** One line of the call log: enough to follow a funnel, never card data. */
function callRecord(name: string, params: Params, answer: KonnektiveAnswer, at: string) {
  const { message } = answer;
  const fromMessage = (key: string) => {
    const value: unknown = typeof message === 'object' && message !== null ? Reflect.get(message, key) : undefined;
    return typeof value === 'string' ? value : undefined;
  };
  return {
    endpoint: name,
    result: answer.result,
    message: answer.result === 'SUCCESS' ? undefined : typeof message === 'string' ? message : JSON.stringify(message),
    sessionId: params.sessionId ?? fromMessage('sessionId'),
    orderId: params.orderId ?? fromMessage('orderId'),
    pageType: params.pageType,
    at,
  };
}

function faultyResponse(fault: Fault, answer: KonnektiveAnswer): Response {
  const text = JSON.stringify(answer);
  if (fault.mode === 'truncated') {
    return new Response(text.slice(0, Math.floor(text.length / 2)), { headers: { 'content-type': 'application/json' } });
  }
  // reset: send part of the answer, then fail the stream so the adapter drops the connection.
  const bytes = new TextEncoder().encode(text);
  return new Response(
    new ReadableStream({
      pull(controller) {
        controller.enqueue(bytes.slice(0, Math.floor(bytes.length / 2)));
        controller.error(new Error('sandbox fault: connection reset'));
      },
    }),
    { headers: { 'content-type': 'application/json', 'content-length': String(bytes.length) } },
  );
}

/** What a sandbox page's handler gets: the request, and the sandbox's state. */
interface PageCall {
  request: Request;
  url: URL;
  post: boolean;
  ctx: ApiContext;
  store: SandboxStore;
  faults: FaultSwitch;
  now: () => number;
}

const expiredPage = (what = 'payment') => htmlResponse(404, messagePage('Expired', `This ${what} session has expired.`));

/** The approve / fail (cancel) buttons of the 3-D Secure and alternative-payment pages. */
function settleOnPage(call: PageCall, token: string, approve: boolean, title: string, failText: string): Response {
  if (approve) {
    const done = approvePending(token, call.ctx);
    if (typeof done === 'string') return htmlResponse(409, messagePage(title, done));
    return htmlResponse(200, finalizePage(done.charge.redirectsTo, publicOrder(done.order)));
  }
  const failed = failPending(token, call.ctx);
  if (typeof failed === 'string') return htmlResponse(409, messagePage(title, failed));
  return redirectWithError(failed.charge.errorRedirectsTo, failText);
}

/**
 * The sandbox's own pages (paths without the trailing slash), like API_ROUTES for its Konnektive API:
 * the first route whose path matches (and, for `post` routes, whose method is POST) answers; undefined
 * falls through to the 404 envelope.
 */
const PAGE_ROUTES: ReadonlyArray<{
  path: RegExp;
  post?: true;
  handle: (call: PageCall, match: RegExpMatchArray) => Response | undefined | Promise<Response | undefined>;
}> = [
  {
    path: /^\/(_sandbox)?$/,
    handle: ({ store, url }) => htmlResponse(200, inspectorPage(snapshot(store), url.searchParams.get('refresh') !== '0')),
  },
  { path: /^\/_sandbox\/live$/, handle: ({ store }) => htmlResponse(200, inspectorSections(snapshot(store))) },
  {
    path: /^\/_sandbox\/inspector\.js$/,
    handle: () => new Response(INSPECTOR_SCRIPT, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' } }),
  },
  { path: /^\/_sandbox\/state$/, handle: ({ store }) => jsonResponse(200, snapshot(store)) },
  {
    path: /^\/_sandbox\/reset$/,
    post: true,
    handle: ({ request, store, faults }) => {
      store.reset();
      faults.clear();
      return (request.headers.get('accept') ?? '').includes('text/html')
        ? new Response(null, { status: 303, headers: { location: '/_sandbox' } })
        : jsonResponse(200, { result: 'SUCCESS', message: 'Sandbox emptied' });
    },
  },
  {
    path: /^\/_sandbox\/pixel\/([0-9a-f]{32})\/(fraud|affiliate)\.(gif|js)$/,
    handle: ({ url, store, now }, [, sessionId = '', kind, type]) => {
      const pageType = url.searchParams.get('pageType')?.slice(0, 20) || undefined;
      store.recordPixel({ sessionId, pixel: kind as 'fraud' | 'affiliate', element: type === 'gif' ? 'img' : 'script', pageType, at: new Date(now()).toISOString() });
      const headers = { 'cache-control': 'no-store', 'content-type': type === 'gif' ? 'image/gif' : 'text/javascript; charset=utf-8' };
      return new Response(type === 'gif' ? PIXEL_GIF : `/* kfunnel sandbox ${kind} pixel: its request was the hit */`, { headers });
    },
  },
  {
    // The alternative-payment provider's stand-in page, and its approve / cancel buttons.
    path: /^\/_sandbox\/pay\/([0-9a-f]{24})(\/approve|\/cancel)?$/,
    handle: (call, [, token = '', action]) => {
      const charge = call.store.pending.get(token);
      if (!action) {
        const order = charge && call.store.orders.get(charge.orderId);
        if (!charge || charge.kind !== 'prepaid' || charge.used || !order) return expiredPage();
        return htmlResponse(200, alternativePaymentPage(token, order, charge));
      }
      if (!call.post || charge?.kind !== 'prepaid') return undefined;
      return settleOnPage(call, token, action === '/approve', 'Payment not completed', `${charge.prepaidType} payment was cancelled.`);
    },
  },
  {
    path: /^\/_sandbox\/faults$/,
    handle: async ({ request, post, faults }) => {
      if (request.method === 'DELETE') faults.clear();
      else if (post) {
        let parsed: Fault[] | string;
        try {
          const body = await readBody(request, 64 * 1024);
          parsed = body === null ? 'body too large' : parseFaults(JSON.parse(new TextDecoder().decode(body)));
        } catch {
          parsed = 'body must be JSON';
        }
        if (typeof parsed === 'string') return envelope(400, `Bad fault: ${parsed}`);
        faults.set(parsed);
      }
      return jsonResponse(200, { result: 'SUCCESS', message: faults.list() });
    },
  },
  {
    // The 3-D Secure challenge page, and its approve / fail buttons.
    path: /^\/_sandbox\/3ds\/([0-9a-f]{24})(\/approve|\/fail)?$/,
    handle: (call, [, token = '', action]) => {
      const charge = call.store.pending.get(token);
      // A payment page's token only works on its own page: an alternative payment is not a 3-D Secure check.
      if (charge?.kind === 'prepaid') return expiredPage();
      if (!action) {
        const order = charge && call.store.orders.get(charge.orderId);
        if (!charge || charge.used || !order) return expiredPage();
        return htmlResponse(200, challengePage(token, order, charge));
      }
      if (!call.post) return undefined;
      return settleOnPage(call, token, action === '/approve', 'Payment not verified', '3-D Secure authentication failed. Please try another card.');
    },
  },
  {
    path: /^\/_sandbox\/paypal\/checkoutnow$/,
    handle: ({ url, store }) => {
      const token = url.searchParams.get('token') ?? '';
      const charge = store.pending.get(token);
      const order = charge && store.orders.get(charge.orderId);
      if (!charge || charge.kind !== 'paypal' || charge.used || !order) return expiredPage('PayPal');
      return htmlResponse(200, paypalPage(token, order));
    },
  },
  {
    // PayPal's approve / cancel buttons: approval returns to the shop's salesUrl, which calls Confirm PayPal.
    path: /^\/_sandbox\/paypal\/(EC-[0-9A-F]{16})\/(approve|cancel)$/,
    post: true,
    handle: ({ ctx }, [, token = '', action]) => {
      if (action === 'approve') {
        const done = approvePending(token, ctx);
        if (typeof done === 'string') return htmlResponse(409, messagePage('PayPal', done));
        const back = new URL(done.charge.salesUrl as string);
        back.searchParams.set('paypalAccept', '1');
        back.searchParams.set('token', token);
        back.searchParams.set('PayerID', `PAYER${token.slice(3, 11)}`);
        return new Response(null, { status: 303, headers: { location: back.href } });
      }
      const failed = failPending(token, ctx);
      if (typeof failed === 'string') return htmlResponse(409, messagePage('PayPal', failed));
      return redirectWithError(failed.charge.errorRedirectsTo, 'PayPal payment was cancelled.');
    },
  },
];

export function createSandbox(options: SandboxOptions = {}) {
  // An empty variable counts as unset.
  const loginId = options.loginId || process.env.KONNEKTIVE_LOGIN_ID || 'sandbox';
  const password = options.password || process.env.KONNEKTIVE_PASSWORD || 'sandbox';
  const campaigns = new Map((options.campaigns ?? [DEMO_CAMPAIGN]).map((c) => [c.campaignId, c]));
  const store = new SandboxStore();
  const faults = new FaultSwitch();
  const now = options.now ?? Date.now;

  async function api(request: Request, url: URL, route: (typeof API_ROUTES)[string]): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'POST') {
      return envelope(405, `Method ${request.method.slice(0, 10)} is not allowed: use GET or POST`);
    }
    const params = await readParams(request, url);
    if (params instanceof Response) return params;
    const fault = faults.take(route.name);
    if (fault && !FAULT_MODES[fault.mode].processed) {
      return fault.mode === 'http500'
        ? new Response('Internal Server Error', { status: 500, headers: { 'content-type': 'text/plain' } })
        : htmlResponse(502, '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>');
    }
    const ctx: ApiContext = { store, campaigns, pageBase: pageBaseFor(options.pages, url.origin), now };
    const answer: KonnektiveAnswer =
      params.loginId !== loginId || params.password !== password
        ? errorEnvelope(MESSAGES.auth)
        : route.handle(params, ctx);
    store.recordCall(callRecord(route.name, params, answer, new Date(now()).toISOString()));
    if (fault?.mode === 'timeout') await sleep(fault.delayMs ?? 15_000);
    if (fault && fault.mode !== 'timeout') return faultyResponse(fault, answer);
    return jsonResponse(200, answer);
  }

  async function pages(request: Request, url: URL): Promise<Response | undefined> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const post = request.method === 'POST';
    for (const route of PAGE_ROUTES) {
      const match = path.match(route.path);
      if (!match || (route.post && !post)) continue;
      const ctx: ApiContext = { store, campaigns, pageBase: pageBaseFor(options.pages, url.origin), now };
      return route.handle({ request, url, post, ctx, store, faults, now }, match);
    }
    return undefined;
  }

  async function fetch(request: Request): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return envelope(400, 'Malformed request URL');
    }
    try {
      const route = API_ROUTES[url.pathname.replace(/\/+$/, '')];
      if (route) return await api(request, url, route);
      return (await pages(request, url)) ?? envelope(404, `Unknown API path ${url.pathname.slice(0, 100)}`);
    } catch {
      return envelope(500, 'The sandbox failed to handle this request');
    }
  }

  return {
    fetch,
    store,
    faults,
    campaigns,
    state: () => snapshot(store),
    reset: () => {
      store.reset();
      faults.clear();
    },
  };
}

export type Sandbox = ReturnType<typeof createSandbox>;

function redirectWithError(target: string, errorMsg: string): Response {
  const separator = target.includes('?') ? '&' : '?';
  return new Response(null, {
    status: 303,
    headers: { location: `${target}${separator}errorMsg=${encodeURIComponent(errorMsg)}` },
  });
}

export interface SandboxServer extends Listening {
  sandbox: Sandbox;
  /** Stops accepting connections (callers get ECONNREFUSED) until called with false. */
  refuseConnections(refuse: boolean): Promise<void>;
}

/** The sandbox on a node:http server. */
export async function startSandboxServer(options: SandboxOptions & { port?: number; host?: string } = {}): Promise<SandboxServer> {
  const sandbox = createSandbox(options);
  const host = options.host ?? '127.0.0.1';
  const listening = await listen(toNodeListener((request) => sandbox.fetch(request)), options.port ?? 0, host);
  return {
    ...listening,
    sandbox,
    async refuseConnections(refuse) {
      if (refuse && listening.server.listening) {
        await new Promise<void>((done) => {
          listening.server.close(() => done());
          listening.server.closeAllConnections();
        });
      } else if (!refuse && !listening.server.listening) {
        await new Promise<void>((done) => listening.server.listen(listening.port, host, () => done()));
      }
    },
  };
}
