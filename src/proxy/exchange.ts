// The proxy's pipeline reads a small request interface and gives back a plain answer, so it runs the
// same on web Request/Response (createProxyHandler) and straight on node:http (src/server/proxy.ts), where building
// web objects per request cost more CPU than all of kfunnel's checks together.
import { readBody } from './body.js';

/** Read access to request headers: names are case-insensitive; repeated headers come joined, as web Headers join them. */
export interface HeaderReader {
  get(name: string): string | null;
}

/** What the proxy reads of a request. */
export interface ProxyRequest {
  readonly method: string;
  /** The absolute URL the request was sent to. */
  readonly url: string;
  readonly headers: HeaderReader;
  /** The whole body, up to `limit` bytes; null when it is larger. Rejects when the body cannot be read. */
  read(limit: number): Promise<Uint8Array<ArrayBuffer> | null>;
  /** Lets go of a body that will not be read. */
  discard(): Promise<void>;
}

/** An answer as plain values: most of the proxy's answers are a status, a few headers and a short text. */
export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  /** Set-Cookie values. */
  cookies: string[];
  body: string | null;
}

/** What the pipeline gives back: a plain answer, or a web Response for the rare answers made as one (the script file, return redirects). */
export type Answer = ProxyAnswer | Response;

const parsedUrls = new WeakMap<Pick<ProxyRequest, 'url'>, URL>();

/**
 * The request's URL, parsed once per request however many checks read it (the host for the public
 * origin, the path for the route): a URL parse per check was a measurable share of a click's cost.
 * Treat the result as read-only.
 */
export function urlOf(request: Pick<ProxyRequest, 'url'>): URL {
  let url = parsedUrls.get(request);
  if (!url) parsedUrls.set(request, (url = new URL(request.url)));
  return url;
}

/** Lets an adapter that already parsed the request's URL hand it over (see urlOf). */
export function withParsedUrl<T extends Pick<ProxyRequest, 'url'>>(request: T, url: URL): T {
  parsedUrls.set(request, url);
  return request;
}

export function fromWebRequest(request: Request): ProxyRequest {
  return {
    method: request.method,
    url: request.url,
    headers: request.headers,
    read: (limit) => readBody(request, limit),
    discard: async () => {
      await request.body?.cancel().catch(() => {});
    },
  };
}

export function toWebResponse(answer: Answer): Response {
  if (answer instanceof Response) return answer;
  const response = new Response(answer.body, { status: answer.status, headers: answer.headers });
  for (const cookie of answer.cookies) response.headers.append('set-cookie', cookie);
  return response;
}

/** A fresh answer (never cached) whose body is already text. */
export function textAnswer(status: number, contentType: string, body: string, headers: Record<string, string> = {}): ProxyAnswer {
  return { status, headers: { 'content-type': contentType, 'cache-control': 'no-store', ...headers }, cookies: [], body };
}

export const JSON_TYPE = 'application/json; charset=utf-8';
export const HTML_TYPE = 'text/html; charset=utf-8';
