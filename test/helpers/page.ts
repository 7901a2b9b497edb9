import { Window } from 'happy-dom';
import { boot } from '../../src/browser/boot.js';
import type { Purchase } from '../../src/browser/purchase.js';

export interface Call {
  route: string;
  body: Record<string, string>;
  key: string | null;
  keepalive: boolean;
  /** What the fake proxy answered (its JSON body), or undefined for a network failure or a hang. */
  answer?: unknown;
}

/** The purchase the proxy adds to the answer that made a sale (src/proxy/purchase.ts): no currency. */
export type AnswerPurchase = Omit<Purchase, 'currency'>;

/** What the fake proxy answers: a Konnektive envelope (status 200), or a status with a body, or a network failure. */
export type Answer = { result: string; message?: unknown; purchase?: AnswerPurchase } | { status: number; body: unknown } | 'network' | 'hang';
export type Answers = Record<string, (body: Record<string, string>, calls: Call[]) => Answer | Promise<Answer>>;

const DEFAULT_ANSWERS: Answers = {
  click: (body) => ({ result: 'SUCCESS', message: { sessionId: body.sessionId ?? 'c'.repeat(32) } }),
  lead: (body) => ({ result: 'SUCCESS', message: { orderId: body.orderId ?? 'LEAD000001', orderStatus: 'PARTIAL', firstName: body.firstName } }),
  order: (body) => ({ result: 'SUCCESS', message: { orderId: body.orderId ?? 'ORDER00001', orderStatus: 'COMPLETE', totalAmount: 89.9 } }),
  upsale: (body) => ({ result: 'SUCCESS', message: { orderId: body.orderId, orderStatus: 'COMPLETE', totalAmount: 114.85 } }),
  paypal: (body) => ({ result: 'SUCCESS', message: { orderId: body.orderId ?? 'PP00000001', orderStatus: 'COMPLETE' } }),
  confirm: (body) => ({ result: 'SUCCESS', message: { orderId: body.orderId } }),
};

export interface PageOptions {
  url?: string;
  referrer?: string;
  answers?: Answers;
  cookies?: Record<string, string>;
  storage?: Record<string, unknown>;
  queue?: unknown[];
  boot?: boolean;
  /** Sees each request to the fake proxy (its headers). */
  onRequest?: (request: Request) => void;
  /** Headers the fake proxy adds to every answer. */
  responseHeaders?: Record<string, string>;
  /** localStorage entries, as JSON. */
  local?: Record<string, unknown>;
  /** Globals on the window before the script starts (dataLayer, fbq). */
  globals?: Record<string, unknown>;
  /**
   * The purchase the proxy computes, per route: a SUCCESS answer to that route (the default one or a
   * test's own) gets it as its top-level `purchase` member, as the proxy adds it to the answer that made
   * the sale. Undefined for a call: that answer carries none (a replay). Each answer is in `call.answer`.
   */
  purchases?: Record<string, (body: Record<string, string>, calls: Call[]) => AnswerPurchase | undefined>;
  /** Runs the page's scripts as a browser would (inline ones; none is loaded from the network). */
  runScripts?: boolean;
}

/**
 * A page in happy-dom with kfunnel booted on it, as a browser would run it: the DOM classes a
 * browser has as globals (document for js-cookie, FormData, CustomEvent) come from this window.
 * Only the proxy is faked, by a fetch that records every call.
 */
export async function openPage(html: string, options: PageOptions = {}) {
  const settings = options.runScripts ? { enableJavaScriptEvaluation: true, disableJavaScriptFileLoading: true, suppressInsecureJavaScriptEnvironmentWarning: true } : {};
  const win = new Window({ url: options.url ?? 'https://shop.test/checkout.html', settings });
  const doc = win.document;
  Object.assign(globalThis, { document: doc, FormData: win.FormData, CustomEvent: win.CustomEvent });
  const head = html.match(/<html([^>]*)>/)?.[1] ?? '';
  for (const [, name, value] of head.matchAll(/([\w-]+)(?:="([^"]*)")?/g)) doc.documentElement.setAttribute(name, value ?? '');
  const body = html.match(/^([\s\S]*?)<body([^>]*)>([\s\S]*)<\/body>/);
  if (body) {
    for (const [, name, value] of body[2].matchAll(/([\w-]+)(?:="([^"]*)")?/g)) doc.body.setAttribute(name, value ?? '');
    doc.body.innerHTML = body[1] + body[3];
  } else doc.body.innerHTML = html;
  if (options.referrer !== undefined) Object.defineProperty(doc, 'referrer', { value: options.referrer, configurable: true });
  for (const [name, value] of Object.entries(options.cookies ?? {})) doc.cookie = `${name}=${value}; path=/`;
  for (const [name, value] of Object.entries(options.storage ?? {})) win.sessionStorage.setItem(name, JSON.stringify(value));
  for (const [name, value] of Object.entries(options.local ?? {})) win.localStorage.setItem(name, JSON.stringify(value));
  Object.assign(win, options.globals);
  if (options.queue) (win as any).kfunnel = options.queue;

  const calls: Call[] = [];
  const hanging: Array<() => void> = [];
  const answers = { ...DEFAULT_ANSWERS, ...options.answers };
  // Shaped as the platform's fetch: (input, init), input a URL, a string or a Request (ky passes a Request).
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    options.onRequest?.(request);
    const route = new URL(request.url).pathname.split('/').pop() as string;
    const call: Call = { route, body: await request.json(), key: request.headers.get('idempotency-key'), keepalive: request.keepalive };
    calls.push(call);
    const answer = await answers[route](call.body, calls);
    if (answer === 'network') throw new TypeError('Failed to fetch');
    // A proxy that never answers, until the page closes: then the call fails as a closed page's would, so the
    // script's own timeout (70 s for payments) does not keep the test process alive.
    if (answer === 'hang') return new Promise<Response>((_, reject) => hanging.push(() => reject(new TypeError('page closed'))));
    let [status, payload] = 'status' in answer ? [answer.status, answer.body] : [200, answer];
    const purchase = options.purchases?.[route]?.(call.body, calls);
    if (purchase && status === 200 && (payload as { result?: unknown }).result === 'SUCCESS') payload = { ...(payload as object), purchase };
    call.answer = payload;
    return new Response(typeof payload === 'string' ? payload : JSON.stringify(payload), { status, headers: { 'content-type': 'application/json', ...options.responseHeaders } });
  };
  const navigations: string[] = [];
  const events: Array<{ type: string; detail: any; target: string }> = [];
  for (const type of ['ready', 'session', 'before-submit', 'success', 'error', 'redirect', 'purchase']) {
    doc.addEventListener(`kfunnel:${type}`, (event: any) => events.push({ type, detail: event.detail, target: event.target?.tagName ?? '#document' }));
  }
  const start = () =>
    boot({
      win: win as unknown as Parameters<typeof boot>[0]['win'],
      script: doc.querySelector('script[data-kf], script[src*="kfunnel"]') as unknown as Element,
      fetch: fetch as typeof globalThis.fetch,
      navigate: (url) => navigations.push(url),
      delayMs: 20,
    });
  const api = options.boot === false ? undefined : start();
  const page = {
    win,
    doc,
    calls,
    /** The fake proxy's fetch, as the script gets it. */
    fetch,
    navigations,
    events,
    api,
    start,
    /** Calls to one route. */
    to: (route: string) => calls.filter((c) => c.route === route),
    /** Waits until kfunnel says it is ready (its click has an answer). */
    ready: () => waitFor(() => (win as any).kfunnel?.ready === true),
    cookie: (name: string) => doc.cookie.split('; ').find((c) => c.startsWith(`${name}=`))?.slice(name.length + 1),
    stored: (key: string) => JSON.parse(win.sessionStorage.getItem(key) ?? 'null'),
    /** Fills inputs by name, firing input and change like a visitor finishing each field. */
    fill(values: Record<string, string>, form: HTMLFormElement = doc.querySelector('form') as any) {
      for (const [name, value] of Object.entries(values)) {
        const field = form.querySelector(`[name="${name}"]`) as any;
        field.value = value;
        field.dispatchEvent(new win.Event('input', { bubbles: true }));
        field.dispatchEvent(new win.Event('change', { bubbles: true }));
      }
    },
    /** Submits like pressing the form's submit button. */
    submit(form: HTMLFormElement = doc.querySelector('form') as any, submitter?: Element) {
      const event = new win.SubmitEvent('submit', { bubbles: true, cancelable: true, submitter: submitter as any });
      form.dispatchEvent(event as any);
    },
    settle: () => new Promise((resolve) => setTimeout(resolve, 60)),
    close: () => {
      for (const abort of hanging.splice(0)) abort();
      return win.happyDOM.close();
    },
  };
  if (api) await page.ready();
  return page;
}

export async function waitFor(condition: () => boolean, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${condition}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const SCRIPT = '<script data-kf src="https://cdn.test/kfunnel.min.js" data-campaign-id="3"></script>';

export const CHECKOUT_FIELDS = `
  <input name="firstName" required><input name="lastName" required>
  <input name="emailAddress" type="email" required><input name="phoneNumber">
  <input name="address1" required><input name="city" required><input name="state"><input name="postalCode" required>
  <select name="country"><option value="US">US</option></select>
  <input type="hidden" name="product1_id" value="2"><input type="hidden" name="product1_qty" value="1">
  <input name="cardNumber" required><input name="cardMonth" required><input name="cardYear" required><input name="cardSecurityCode" required>
  <button type="submit">Pay</button>`;

export const GOOD_ORDER = {
  firstName: 'Ada',
  lastName: 'Lovelace',
  emailAddress: 'ada@example.com',
  address1: '1 Analytical Way',
  city: 'Austin',
  state: 'TX',
  postalCode: '78701',
  cardNumber: '4111 1111 1111 1111',
  cardMonth: '12',
  cardYear: '2030',
  cardSecurityCode: '123',
};
