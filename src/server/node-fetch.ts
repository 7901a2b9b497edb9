import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { TAKES_TIMEOUT } from '../proxy/upstream.js';

/** Request headers as node:http takes them: a plain object with lower-case names. */
function plainHeaders(init: HeadersInit | undefined): OutgoingHttpHeaders {
  if (!init || init instanceof Headers || Array.isArray(init)) return Object.fromEntries(new Headers(init));
  // The proxy passes a plain object: copied with lower-case names, without building a Headers.
  const headers: OutgoingHttpHeaders = {};
  for (const name of Object.keys(init)) headers[name.toLowerCase()] = init[name];
  return headers;
}

/**
 * The small part of fetch the proxy uses (a POST with a string body, headers and a signal), on
 * node:http with keep-alive. On Node it is several times cheaper per call than the global fetch, whose
 * web streams dominate the proxy's CPU time under load. Edge runtimes keep their own fetch.
 */
export function createNodeFetch(maxSockets = 256): typeof fetch & { [TAKES_TIMEOUT]: true } {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  // The proxy calls a handful of URLs (its API base and a path per route): each is parsed once.
  // Only what node:http needs of each: copying all of urlToHttpOptions' fields per call showed up in the profile.
  const urls = new Map<string, { protocol: string; hostname: string; port: string | number | undefined; path: string; auth?: string }>();
  const parse = (input: string) => {
    let url = urls.get(input);
    if (!url) {
      const parsed = new URL(input);
      const options = urlToHttpOptions(parsed);
      url = { protocol: parsed.protocol, hostname: options.hostname ?? 'localhost', port: options.port ?? undefined, path: options.path ?? '/', auth: options.auth ?? undefined };
      if (urls.size < 64) urls.set(input, url);
    }
    return url;
  };
  const post = (input: string | URL, init: RequestInit & { timeoutMs?: number } = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = parse(String(input));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason);
      const headers = plainHeaders(init.headers);
      const body = init.body == null ? undefined : String(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const protocol = url.protocol as 'http:' | 'https:';
      const send = protocol === 'https:' ? httpsRequest : httpRequest;
      // The signal is watched here rather than handed to node:http, which ties it to the stream's whole
      // lifecycle (end-of-stream listeners) on every call; an abort destroys the request either way.
      let settled = false;
      let deadline: ReturnType<typeof setTimeout> | undefined;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        clearTimeout(deadline);
        settle();
      };
      const onAbort = () => {
        finish(() => reject(signal?.reason));
        req.destroy();
      };
      const options = { hostname: url.hostname, port: url.port, path: url.path, auth: url.auth, method: init.method ?? 'GET', headers, agent: agents[protocol] };
      const req = send(options, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        const cutOff = () => finish(() => reject(Object.assign(new Error('answer cut off'), { name: 'ResponseAborted' })));
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish(() => reject(error)));
        res.on('aborted', cutOff);
        res.on('end', () => {
          if (!res.complete) return cutOff();
          // What the proxy reads of an answer (ok, status, text), without building a web Response.
          const status = res.statusCode ?? 502;
          const text = Buffer.concat(chunks).toString('utf8');
          finish(() => resolve({ ok: status >= 200 && status < 300, status, text: async () => text } as Response));
        });
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      // The proxy's deadline (TAKES_TIMEOUT): a timer, not a signal, rejecting as an aborted fetch would.
      if (init.timeoutMs !== undefined) {
        deadline = setTimeout(() => {
          finish(() => reject(new DOMException(`no answer in ${init.timeoutMs} ms`, 'TimeoutError')));
          req.destroy();
        }, init.timeoutMs);
      }
      req.on('error', (error: Error & { cause?: unknown; code?: string }) =>
        // Shaped like fetch's errors: anything but an abort is a TypeError with a cause.
        finish(() => reject(Object.assign(new TypeError('fetch failed'), { cause: error }))),
      );
      req.end(body);
    });
  return Object.assign(post as typeof fetch, { [TAKES_TIMEOUT]: true as const });
}
