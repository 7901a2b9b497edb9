import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** A strict Content-Security-Policy: no inline script, no eval, only this origin. */
export const STRICT_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "form-action 'self'; base-uri 'self'; object-src 'none'; frame-ancestors 'none'";

export interface StaticOptions {
  root: string;
  /** Content-Security-Policy header for HTML files; none when undefined. */
  csp?: string;
}

async function fileAt(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isFile()) return path;
    if (info.isDirectory()) return fileAt(join(path, 'index.html'));
  } catch {
    // not there
  }
  return undefined;
}

/** Serves files below root; never anything outside it. */
export async function serveStatic(request: Request, options: StaticOptions): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return new Response('Method not allowed', { status: 405, headers: { allow: 'GET, HEAD' } });
  }
  let relative: string;
  try {
    relative = decodeURIComponent(new URL(request.url).pathname);
  } catch {
    return new Response('Bad request', { status: 400 });
  }
  const root = resolve(options.root);
  const target = resolve(root, '.' + normalize('/' + relative));
  if (relative.includes('\0') || (target !== root && !target.startsWith(root + sep))) {
    return new Response('Not found', { status: 404 });
  }
  const file = (await fileAt(target)) ?? (extname(target) ? undefined : await fileAt(`${target}.html`));
  if (!file) {
    return new Response('<!doctype html><title>Not found</title><h1>Not found</h1>', {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
  }
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const headers: Record<string, string> = {
    'content-type': type,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
  };
  if (options.csp && type.startsWith('text/html')) headers['content-security-policy'] = options.csp;
  const body = request.method === 'HEAD' ? null : await readFile(file);
  return new Response(body, { status: 200, headers });
}
