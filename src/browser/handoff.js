import { STORAGE_KEYS } from './context.js';
/**
 * kfunnel.link(url): the url with `sessionId=<sid>&kf_h=<grant>` appended before any fragment, so the
 * visitor's session and orders go with them to another domain. The grant is the latest KFunnel-Handoff
 * the proxy answered with (base64url, so it needs no escaping); without a session the url is returned as
 * it was, and a url that already carries them is not given them twice.
 */
export function handoffLink(url, session, storage) {
    const sessionId = session.get('sessionId');
    const grant = storage.get(STORAGE_KEYS.handoff);
    const [base, hash = ''] = String(url).split(/(?=#)/);
    return !sessionId || /[?&]sessionId=/.test(base) ? url : `${base}${base.includes('?') ? '&' : '?'}sessionId=${sessionId}${grant ? `&kf_h=${grant}` : ''}${hash}`;
}
/** Links marked data-kf-handoff get the hand-off parameters at click time (the grant may be newer than the page). */
export function watchHandoffLinks(doc, link) {
    doc.addEventListener('click', (event) => {
        const anchor = event.target.closest?.('a[data-kf-handoff]');
        if (anchor)
            anchor.href = link(anchor.href);
    }, true);
}
