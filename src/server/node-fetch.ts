import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/**
 * The small part of fetch the proxy uses (a POST with a string body, headers and a signal), on
 * node:http with keep-alive. On Node it is several times cheaper per call than the global fetch, whose
 * web streams dominate the proxy's CPU time under load. Edge runtimes keep their own fetch.
 */
export function createNodeFetch(maxSockets = 256): typeof fetch {
  const agents = {
    'http:': new HttpAgent({ keepAlive: true, maxSockets }),
    'https:': new HttpsAgent({ keepAlive: true, maxSockets }),
  };
  return ((input: string | URL, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(String(input));
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const headers = Object.fromEntries(new Headers(init.headers));
      const body = init.body == null ? undefined : String(init.body);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol], signal: init.signal ?? undefined }, (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('aborted', () => reject(Object.assign(new Error('answer cut off'), { name: 'ResponseAborted' })));
        res.on('end', () => {
          if (!res.complete) return reject(Object.assign(new Error('answer cut off'), { name: 'ResponseAborted' }));
          // What the proxy reads of an answer (ok, status, text), without building a web Response.
          const status = res.statusCode ?? 502;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ ok: status >= 200 && status < 300, status, text: async () => text } as Response);
        });
      });
      req.on('error', (error: Error & { cause?: unknown; code?: string }) =>
        // Shaped like fetch's errors: a timeout keeps its name; anything else is a TypeError with a cause.
        reject(error.name === 'AbortError' || error.name === 'TimeoutError' ? (init.signal?.reason ?? error) : Object.assign(new TypeError('fetch failed'), { cause: error })),
      );
      req.end(body);
    })) as typeof fetch;
}
