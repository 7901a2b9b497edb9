import ky from 'ky';
import { MONEY_ROUTES } from '../shared/konnektive.js';
import { DEFAULTS } from './config.js';
import { STORAGE_KEYS } from './context.js';
/** After these the same attempt may be resent. */
const RETRYABLE = [0, 409, 429, 502, 503, 504];
/** The proxy's visitor token: the response and request header, and its sessionStorage key. */
const VISITOR = 'KFunnel-Visitor';
/**
 * Calls the proxy. Its answers may carry two tokens, kept in sessionStorage: `KFunnel-Handoff`, the
 * latest grant for kfunnel.link(); and, only where the proxy is on another origin than the page (its
 * HttpOnly visitor cookie is then third-party and blocked), `KFunnel-Visitor`, sent back as a header on
 * every call. Same-origin, the cookie does that and the token is neither kept nor sent.
 */
export function createTransport(config, storage, pageOrigin, fetchImpl) {
    const crossOrigin = new URL(config.endpoint).origin !== pageOrigin;
    return async (route, payload, { idempotencyKey, keepalive, headers } = {}) => {
        let status = 0;
        let body;
        const visitor = crossOrigin && storage.get(VISITOR);
        headers = { ...headers };
        if (idempotencyKey)
            headers['Idempotency-Key'] = idempotencyKey;
        if (visitor)
            headers[VISITOR] = visitor;
        try {
            const response = await ky.post(`${config.endpoint}/${route}`, {
                json: payload,
                headers,
                timeout: MONEY_ROUTES.includes(route) ? DEFAULTS.moneyTimeoutMs : DEFAULTS.timeoutMs,
                retry: 0,
                throwHttpErrors: false,
                keepalive,
                fetch: fetchImpl,
            });
            status = response.status;
            // Each token is kept under its header's name.
            const token = (name) => {
                const value = response.headers.get(name);
                if (value)
                    storage.set(name, value);
            };
            if (crossOrigin)
                token(VISITOR);
            token(STORAGE_KEYS.handoff);
            body = await response.json().catch(() => undefined);
            if (status === 200 && /^(SUCCESS|MERC_REDIRECT)$/.test(body?.result)) {
                return { ok: true, result: body.result, message: body.message, replayed: response.headers.has('idempotent-replayed'), purchase: body.purchase };
            }
        }
        catch (error) {
            body = { code: error?.name === 'TimeoutError' ? 'timeout' : 'network' };
        }
        const code = status === 200 && body?.result ? 'konnektive' : String(body?.code ?? 'bad_response');
        return { ok: false, code, message: body?.message, status, retryable: code === 'bad_response' || RETRYABLE.includes(status), fields: body?.fields };
    };
}
