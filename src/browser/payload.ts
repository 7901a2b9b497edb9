import type { Context } from './context.js';

/**
 * The form's fields as a native submit would send them, trimmed; repeated names are joined with
 * commas. An empty field sends nothing, so it cannot blank what an earlier page already saved.
 */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const values: Record<string, string> = {};
  new FormData(form).forEach((raw, name) => {
    const value = typeof raw === 'string' && raw.trim();
    if (value) values[name] = name in values ? `${values[name]},${value}` : value;
  });
  return values;
}

export function pick(values: Record<string, string>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) if (values[name]) out[name] = values[name];
  return out;
}

/**
 * FNV-1a over the fields in name order: recognises a payload again, however it was put together,
 * without keeping it (it may hold card data).
 */
export function fingerprint(values: Record<string, string>): string {
  let hash = 0x811c9dc5;
  for (const char of JSON.stringify(Object.entries(values).sort())) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0).toString(36);
}

/** 128 random bits in hex; getRandomValues works on plain http too, unlike crypto.randomUUID. */
export const randomKey = (win: Window): string =>
  Array.from(win.crypto.getRandomValues(new Uint8Array(16)), (b) => (b + 256).toString(16).slice(1)).join('');

/** campaignId, sessionId and orderId, when known: what lead, order, upsale and PayPal calls carry. */
export function funnelIds(ctx: Context): Record<string, string> {
  const ids: Record<string, string | undefined> = {
    campaignId: ctx.config.campaignId,
    sessionId: ctx.session.get('sessionId'),
    orderId: ctx.session.get('orderId'),
  };
  for (const name in ids) if (!ids[name]) delete ids[name];
  return ids as Record<string, string>;
}

/** The page URL without its fragment: salesUrl and errorRedirectsTo (return parameters are already gone). */
export const pageUrl = (win: Window): string => win.location.href.split('#')[0]!;

export const resolveUrl = (doc: Document, href: string) => new URL(href, doc.baseURI).href;

