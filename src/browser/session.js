import Cookies from 'js-cookie';
import { DEFAULTS } from './config.js';
/** The only two cookies kfunnel writes, and what a valid value looks like. Nothing else goes into cookies. */
export const COOKIES = {
    sessionId: ['kf_sid', /^[\w-]{8,64}$/],
    orderId: ['kf_oid', /^[\w-]{1,30}$/],
};
/**
 * sessionId and orderId, carried from page to page by one js-cookie instance with fixed attributes.
 * The proxy sets both with Set-Cookie on its answers (Safari keeps server-set cookies for their whole
 * lifetime, script-written ones at most 7 days), so the script writes one only where the cookie does
 * not already hold the value: a proxy that could not set it, or an id adopted from a hand-off.
 */
export function createSession(config, protocol) {
    const jar = Cookies.withAttributes({
        path: '/',
        sameSite: 'Lax',
        secure: protocol === 'https:',
        expires: DEFAULTS.cookieDays,
        domain: config.cookieDomain,
    });
    const get = (name) => {
        const value = jar.get(COOKIES[name][0]);
        return value && COOKIES[name][1].test(value) ? value : undefined;
    };
    const set = (name, value) => {
        if (typeof value === 'string' && COOKIES[name][1].test(value) && get(name) !== value)
            jar.set(COOKIES[name][0], value);
    };
    return { get, set, clear: (name) => jar.remove(COOKIES[name][0]) };
}
