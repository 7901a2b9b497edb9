import { toPageType, type KonnektiveAnswer } from '../../shared/konnektive.js';
import type { Session } from '../store.js';
import { error, findCampaign, hex, isAnswer, isoNow, MESSAGES, success, type ApiContext, type Params } from './common.js';

/** Import Click (`/landers/clicks/import/`): opens or continues a session, and answers its test pixels. */

const AFF_KEYS = ['affId', 'c1', 'c2', 'c3', 'c4', 'c5'];

/** affId and passed values c1..c5 from the landing URL, exactly as typed (case kept). */
export function parseAffVals(requestUri: string): Record<string, string> {
  const query = requestUri.includes('?') ? requestUri.slice(requestUri.indexOf('?') + 1).split('#')[0] : '';
  const found = new URLSearchParams(query);
  const affVals: Record<string, string> = {};
  for (const key of AFF_KEYS) {
    const value = found.get(key);
    if (value !== null) affVals[key] = value;
  }
  return affVals;
}

export function importClick(params: Params, ctx: ApiContext): KonnektiveAnswer {
  const pageType = toPageType(params.pageType ?? '');
  if (!pageType || pageType !== params.pageType) return error(MESSAGES.pageTypeInvalid(String(params.pageType ?? '').slice(0, 40)));
  const at = isoNow(ctx);
  const click = {
    pageType,
    at,
    requestUri: params.requestUri,
    httpReferer: params.httpReferer,
    userAgent: params.userAgent,
    ipAddress: params.ipAddress,
    fraudPixel: params.fraudPixel === '1' || undefined,
  };
  let session: Session | undefined;
  if (params.sessionId) {
    if (!/^[0-9a-f]{32}$/.test(params.sessionId)) return error(MESSAGES.sessionInvalid(params.sessionId.slice(0, 40)));
    session = ctx.store.sessions.get(params.sessionId);
    if (!session) {
      // A session the sandbox has not seen (it restarted, or another instance made it) is adopted.
      const campaignId = Number(params.campaignId) || 0;
      session = { sessionId: params.sessionId, campaignId, createdAt: at, affVals: {}, clicks: [], orderIds: [] };
    }
  } else {
    const campaign = findCampaign(params, ctx);
    if (isAnswer(campaign)) return campaign;
    if (!params.requestUri) return error(MESSAGES.requestUriRequired);
    session = {
      sessionId: hex(16),
      campaignId: campaign.campaignId,
      createdAt: at,
      requestUri: params.requestUri,
      httpReferer: params.httpReferer,
      userAgent: params.userAgent,
      ipAddress: params.ipAddress,
      affVals: parseAffVals(params.requestUri),
      clicks: [],
      orderIds: [],
    };
  }
  session.clicks.push(click);
  ctx.store.putSession(session);
  const message: Record<string, unknown> = { sessionId: session.sessionId };
  if (Object.keys(session.affVals).length) message.affVals = session.affVals;
  const campaign = ctx.campaigns.get(session.campaignId);
  const pixels = [
    ...(click.fraudPixel && pageType === 'checkoutPage' ? ['fraud' as const] : []),
    ...(campaign?.pixel?.pageTypes.includes(pageType) ? ['affiliate' as const] : []),
  ];
  if (pixels.length) message.pixel = pixels.map((kind) => testPixel(kind, session, pageType, ctx.pageBase(params, false))).join('');
  return success(message);
}

/**
 * A test pixel as Konnektive returns them (HTML for the page to inject): an image and a script, each
 * recording its hit at /_sandbox/pixel/..., so a test or the inspector can see that both ran.
 */
function testPixel(kind: 'fraud' | 'affiliate', session: Session, pageType: string, base: string): string {
  const at = (element: string) => `${base}/_sandbox/pixel/${session.sessionId}/${kind}.${element}?pageType=${pageType}`;
  return `<img src="${at('gif')}" width="1" height="1" alt=""><script src="${at('js')}" async></script>`;
}
