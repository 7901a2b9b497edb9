// Runs a fetch-handler test through the Node adapter instead: each web Request is replayed as a node
// request (method, URL, raw headers, body chunks, peer address) into toNodeHandler's listener, and what
// the listener writes with writeHead/end comes back as a Response. In process, no sockets, so the same
// suite checks both adapters of the one pipeline. KFUNNEL_TEST_ADAPTER=node turns it on.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { toNodeHandler, type ConnectionInfo, type ProxyHandler } from '../../src/server/index.js';

export const NODE_ADAPTER = process.env.KFUNNEL_TEST_ADAPTER === 'node';

export function overNodeAdapter(handler: ProxyHandler): ProxyHandler {
  const listener = toNodeHandler(handler);
  const viaNode = async (request: Request, info: ConnectionInfo = {}): Promise<Response> => {
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const rawHeaders: string[] = ['Host', url.host];
    const headers: Record<string, string | string[]> = { host: url.host };
    request.headers.forEach((value, name) => {
      rawHeaders.push(name, value);
      headers[name] = value;
    });
    if (body && !request.headers.has('content-length')) {
      rawHeaders.push('Content-Length', String(body.byteLength));
      headers['content-length'] = String(body.byteLength);
    }
    // Body chunks as a socket delivers them: a few bytes at a time for bigger bodies.
    const chunks = body ? Array.from({ length: Math.ceil(body.byteLength / 16_384) }, (_, i) => Buffer.from(body.subarray(i * 16_384, (i + 1) * 16_384))) : [];
    const req = Object.assign(Readable.from(chunks, { objectMode: false }), {
      method: request.method,
      url: url.pathname + url.search,
      headers,
      rawHeaders,
      socket: { remoteAddress: info.clientAddress ?? '127.0.0.1' },
    }) as unknown as IncomingMessage;

    let status = 0;
    let written: Record<string, string | string[] | number> = {};
    let answer: Buffer | undefined;
    let destroyed = false;
    const res = {
      headersSent: false,
      writeHead(code: number, out: Record<string, string | string[] | number> = {}) {
        status = code;
        written = out;
        this.headersSent = true;
        return this;
      },
      flushHeaders() {},
      destroy() {
        destroyed = true;
      },
      end(chunk?: string | Buffer) {
        answer = chunk === undefined ? undefined : Buffer.from(chunk);
        return this;
      },
    };
    await listener(req, res as unknown as ServerResponse);
    if (destroyed) throw new TypeError('the node adapter dropped the connection');
    const out = new Headers();
    for (const [name, value] of Object.entries(written)) {
      if (Array.isArray(value)) for (const one of value) out.append(name, one);
      else out.set(name, String(value));
    }
    if (answer && out.get('content-length') !== String(answer.byteLength)) throw new Error(`content-length ${out.get('content-length')} for ${answer.byteLength} bytes`);
    const nullBody = status === 204 || status === 304 || request.method === 'HEAD';
    return new Response(nullBody || !answer ? null : new Uint8Array(answer), { status, headers: out });
  };
  return Object.assign(viaNode, { close: handler.close });
}
