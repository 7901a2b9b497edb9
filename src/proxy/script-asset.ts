import { urlOf, type ProxyRequest } from './exchange.js';
/**
 * The drop-in script, served by the proxy itself at `<basePath>/kfunnel.min.js` (with its map, and the
 * readable `kfunnel.js`), so every deployment has it on its own origin with no CDN. Runtime-neutral:
 * the files arrive as text through the `script` option (edge runtimes import `kfunnel/script`); the
 * Node adapters register a default that reads this package's dist/ (src/server/script-files.ts).
 */
export const SCRIPT_FILES = ['kfunnel.min.js', 'kfunnel.min.js.map', 'kfunnel.js', 'kfunnel.js.map'] as const;
export type ScriptFileName = (typeof SCRIPT_FILES)[number];
export type ScriptFiles = Partial<Record<ScriptFileName, string>>;
/** The files, or a function returning them per request (it may re-read them when they change). */
export type ScriptSource = ScriptFiles | (() => ScriptFiles | undefined | Promise<ScriptFiles | undefined>);

declare module './config.js' {
  interface ProxyConfig {
    /** The built script files served at `${basePath}/kfunnel.min.js` and beside it; Node adapters default to dist/. */
    script?: ScriptSource;
  }
}

/**
 * Five minutes fresh, then revalidated with the ETag (a 304 costs a few bytes): a visitor's funnel
 * pages share one download, and an upgraded script reaches everyone within five minutes. The URL is
 * not versioned, so anything longer would keep old scripts alive after a deploy.
 */
export const SCRIPT_CACHE_CONTROL = 'public, max-age=300';

let fallback: ScriptSource | undefined;

/** The source used when a handler has no `script` option (set by the Node adapters on import). */
export function setDefaultScriptSource(source: ScriptSource | undefined): void {
  fallback = source;
}

const TYPES = {
  js: 'text/javascript; charset=utf-8',
  map: 'application/json; charset=utf-8',
} as const;

/** The last ETag computed per file, reused while the text is the same string. */
const etags = new Map<string, { text: string; etag: string }>();

async function etagOf(name: string, text: string): Promise<string> {
  const cached = etags.get(name);
  if (cached?.text === text) return cached.etag;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  let binary = '';
  for (const byte of digest.subarray(0, 18)) binary += String.fromCharCode(byte);
  const etag = `"${btoa(binary).replace(/\+/g, '-').replace(/\//g, '_')}"`;
  etags.set(name, { text, etag });
  return etag;
}

/** If-None-Match holds this ETag (weak or strong, in a list, or `*`). */
function matches(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const value = tag.trim();
    return value === '*' || value.replace(/^W\//, '') === etag;
  });
}

/**
 * The answer for a GET or HEAD of one of the script files under `basePath` ('' for the site root);
 * undefined for any other request, and for a file the source does not have (the caller then answers
 * as it would for an unknown path). `entry` is the proxy's log entry, when there is one.
 */
export async function serveScript(
  request: Pick<ProxyRequest, 'method' | 'url' | 'headers'>,
  basePath: string,
  source: ScriptSource | undefined = fallback,
  entry?: { route: string; status: number },
): Promise<Response | undefined> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const path = urlOf(request).pathname;
  if (!path.startsWith(`${basePath}/`)) return undefined;
  const name = path.slice(basePath.length + 1) as ScriptFileName;
  if (!SCRIPT_FILES.includes(name) || !source) return undefined;
  const files = typeof source === 'function' ? await source() : source;
  const text = files?.[name];
  if (text === undefined) return undefined;
  const etag = await etagOf(name, text);
  const headers = {
    'content-type': TYPES[name.endsWith('.map') ? 'map' : 'js'],
    'cache-control': SCRIPT_CACHE_CONTROL,
    etag,
    'x-content-type-options': 'nosniff',
  };
  const status = matches(request.headers.get('if-none-match'), etag) ? 304 : 200;
  if (entry) {
    entry.route = 'script';
    entry.status = status;
  }
  return new Response(status === 304 || request.method === 'HEAD' ? null : text, { status, headers });
}
