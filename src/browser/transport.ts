import ky from 'ky';
import { MONEY_ROUTES, type RouteName } from '../shared/konnektive.js';
import { DEFAULTS, type FunnelConfig } from './config.js';
import { STORAGE_KEYS } from './context.js';
import type { Storage_ } from './storage.js';

/** A call's outcome as data: the transport never throws and never touches the DOM. */
export type Result =
  | { ok: true; result: 'SUCCESS' | 'MERC_REDIRECT'; message: any; replayed: boolean; purchase?: any }
  | {
      ok: false;
      /** 'konnektive' for a Konnektive ERROR; else the proxy's refusal code, or network / timeout / bad_response. */
      code: string;
      message: any;
      status: number;
      /** The outcome is unknown or temporary: resending the same attempt is right (it is never charged twice). */
      retryable: boolean;
      /** The proxy's card check (invalid_card): a catalog message key, and its values, per field. */
      fields?: Record<string, [key: string, values?: Record<string, number>]>;
    };

export interface SendOptions {
  idempotencyKey?: string;
  /** Let the request outlive the page (a partial lead sent as the visitor leaves). */
  keepalive?: boolean;
  /** More request headers (the click's KFunnel-Handoff grant). */
  headers?: Record<string, string>;
}

export type Send = (route: RouteName, payload: Record<string, string>, options?: SendOptions) => Promise<Result>;

/** After these the same attempt may be resent. */
const RETRYABLE: ReadonlyArray<number> = [0, 409, 429, 502, 503, 504];
/** The proxy's visitor token: the response and request header, and its sessionStorage key. */
const VISITOR = 'KFunnel-Visitor';

/**
 * Calls the proxy. Its answers may carry two tokens, kept in sessionStorage: `KFunnel-Handoff`, the
 * latest grant for kfunnel.link(); and, only where the proxy is on another origin than the page (its
 * HttpOnly visitor cookie is then third-party and blocked), `KFunnel-Visitor`, sent back as a header on
 * every call. Same-origin, the cookie does that and the token is neither kept nor sent.
 */
export function createTransport(config: FunnelConfig, storage: Storage_, pageOrigin: string, fetchImpl?: typeof fetch): Send {
  const crossOrigin = new URL(config.endpoint).origin !== pageOrigin;
  return async (route, payload, { idempotencyKey, keepalive, headers } = {}) => {
    let status = 0;
    let body: any;
    const visitor = crossOrigin && storage.get<string>(VISITOR);
    headers = { ...headers };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    if (visitor) headers[VISITOR] = visitor;
    try {
      const url = `${config.endpoint}/${route}`;
      // One timeout for both ways of sending: it aborts the call (an AbortError, read as a timeout below).
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), MONEY_ROUTES.includes(route) ? DEFAULTS.moneyTimeoutMs : DEFAULTS.timeoutMs);
      const signal = controller.signal;
      // Import Click, the first call of every page, goes straight to the platform's fetch: ky's request
      // path (a Request built, then cloned) was the largest share of the script's start before the click
      // left (measured in Chromium: 5.5 ms sooner out, 21 -> 9 ms to the fetch call).
      const response = await (route === 'click'
        ? (fetchImpl ?? fetch)(url, { method: 'POST', body: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers }, signal })
        : ky.post(url, { json: payload, headers, signal, timeout: false, retry: 0, throwHttpErrors: false, keepalive, fetch: fetchImpl })
      ).finally(() => clearTimeout(timer));
      status = response.status;
      // Each token is kept under its header's name.
      const token = (name: string) => {
        const value = response.headers.get(name);
        if (value) storage.set(name, value);
      };
      if (crossOrigin) token(VISITOR);
      token(STORAGE_KEYS.handoff);
      body = await response.json().catch(() => undefined);
      if (status === 200 && /^(SUCCESS|MERC_REDIRECT)$/.test(body?.result)) {
        return { ok: true, result: body.result, message: body.message, replayed: response.headers.has('idempotent-replayed'), purchase: body.purchase };
      }
    } catch (error) {
      body = { code: /^(Timeout|Abort)Error$/.test((error as Error)?.name) ? 'timeout' : 'network' };
    }
    const code = status === 200 && body?.result ? 'konnektive' : String(body?.code ?? 'bad_response');
    return { ok: false, code, message: body?.message, status, retryable: code === 'bad_response' || RETRYABLE.includes(status), fields: body?.fields };
  };
}
