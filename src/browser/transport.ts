import ky from 'ky';
import type { RouteName } from '../shared/konnektive.js';
import { DEFAULTS, type FunnelConfig } from './config.js';
import type { Storage_ } from './storage.js';

/** A call's outcome as data: the transport never throws and never touches the DOM. */
export type Result =
  | { ok: true; result: 'SUCCESS' | 'MERC_REDIRECT'; message: any; replayed: boolean }
  | {
      ok: false;
      /** 'konnektive' for a Konnektive ERROR; else the proxy's refusal code, or network / timeout / bad_response. */
      code: string;
      message: any;
      status: number;
      /** The outcome is unknown or temporary: resending the same attempt is right (it is never charged twice). */
      retryable: boolean;
    };

export interface SendOptions {
  idempotencyKey?: string;
  /** Let the request outlive the page (a partial lead sent as the visitor leaves). */
  keepalive?: boolean;
}

export type Send = (route: RouteName, payload: Record<string, string>, options?: SendOptions) => Promise<Result>;

const MONEY: ReadonlyArray<RouteName> = ['order', 'upsale', 'paypal'];
/** After these the same attempt may be resent. */
const RETRYABLE: ReadonlyArray<number> = [0, 409, 429, 502, 503, 504];
/** The proxy's visitor token: the response and request header, and its sessionStorage key. */
const VISITOR = 'KFunnel-Visitor';

/**
 * Calls the proxy. Where the proxy is on another origin than the page (its HttpOnly visitor cookie is
 * then third-party and blocked), the `KFunnel-Visitor` token its answers carry is kept in sessionStorage
 * and sent back as a header on every call. Same-origin, the cookie does that: nothing is kept or sent.
 */
export function createTransport(config: FunnelConfig, storage: Storage_, pageOrigin: string, fetchImpl?: typeof fetch): Send {
  const crossOrigin = new URL(config.endpoint).origin !== pageOrigin;
  return async (route, payload, { idempotencyKey, keepalive } = {}) => {
    let status = 0;
    let body: any;
    const visitor = crossOrigin && storage.get<string>(VISITOR);
    const headers: Record<string, string> = {};
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    if (visitor) headers[VISITOR] = visitor;
    try {
      const response = await ky.post(`${config.endpoint}/${route}`, {
        json: payload,
        headers,
        timeout: MONEY.includes(route) ? DEFAULTS.moneyTimeoutMs : DEFAULTS.timeoutMs,
        retry: 0,
        throwHttpErrors: false,
        keepalive,
        fetch: fetchImpl,
      });
      status = response.status;
      const token = crossOrigin && response.headers.get(VISITOR);
      if (token) storage.set(VISITOR, token);
      body = await response.json().catch(() => undefined);
      if (status === 200 && (body?.result === 'SUCCESS' || body?.result === 'MERC_REDIRECT')) {
        return { ok: true, result: body.result, message: body.message, replayed: response.headers.has('idempotent-replayed') };
      }
    } catch (error) {
      body = { code: (error as Error)?.name === 'TimeoutError' ? 'timeout' : 'network' };
    }
    const code = status === 200 && body?.result ? 'konnektive' : String(body?.code ?? 'bad_response');
    return { ok: false, code, message: body?.message, status, retryable: code === 'bad_response' || RETRYABLE.includes(status) };
  };
}
