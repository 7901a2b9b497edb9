import { log } from './log.js';
import { messages } from './messages.js';
export function createApi(doc, session, submit, link) {
    const api = {
        version: typeof __KFUNNEL_VERSION__ === 'string' ? __KFUNNEL_VERSION__ : 'dev',
        ready: false,
        messages,
        sessionId: () => session.get('sessionId'),
        orderId: () => session.get('orderId'),
        on(name, listener) {
            // dispatchEvent reports a listener's exception (with its own stack) and never passes it on to the funnel.
            doc.addEventListener(name.replace(/^(kfunnel:)?/, 'kfunnel:'), listener);
            return api;
        },
        submit,
        link,
        push(item) {
            try {
                item(api);
            }
            catch (error) {
                log.error('a queued call threw', error);
            }
        },
    };
    return api;
}
