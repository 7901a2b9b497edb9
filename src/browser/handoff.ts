import { STORAGE_KEYS } from './context.js';
import { splitArrival } from './returns.js';
import type { Session } from './session.js';
import type { Storage_ } from './storage.js';

/**
 * kfunnel.link(url): the url with `sessionId=<sid>&kf_h=<grant>` appended (before any fragment), so
 * the visitor's session and orders go with them to another domain. The grant is the latest
 * KFunnel-Handoff the proxy answered with; without a session the url comes back as it was.
 */
export function handoffLink(url: string, session: Session, storage: Storage_): string {
  const sessionId = session.get('sessionId');
  if (!sessionId) return url;
  const grant = storage.get<string>(STORAGE_KEYS.handoff);
  // Parameters of an earlier hand-off (a link clicked twice) are replaced, not repeated.
  const [, base, hash] = splitArrival(String(url)).url.match(/^([^#]*)(.*)$/)!;
  const params = `sessionId=${encodeURIComponent(sessionId)}${grant ? `&kf_h=${encodeURIComponent(grant)}` : ''}`;
  return `${base}${base.includes('?') ? (/[?&]$/.test(base) ? '' : '&') : '?'}${params}${hash}`;
}

/** Links marked data-kf-handoff get the hand-off parameters at click time (the grant may be newer than the page). */
export function watchHandoffLinks(doc: Document, link: (url: string) => string): void {
  doc.addEventListener(
    'click',
    (event) => {
      const anchor = (event.target as Element).closest?.('a[data-kf-handoff]') as HTMLAnchorElement | null;
      if (anchor) anchor.href = link(anchor.href);
    },
    true,
  );
}
