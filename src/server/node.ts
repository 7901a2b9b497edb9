import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { withParsedUrl, type Answer, type HeaderReader, type ProxyRequest } from '../proxy/exchange.js';
import { errorEnvelope } from '../shared/konnektive.js';
import type { ConnectionInfo } from '../proxy/handler.js';
// Node adapters serve the package's own built script by default (see script-files.ts).
import './script-files.js';

// ConnectionInfo is the proxy's own (handler.ts), one type for every adapter: the node listeners below
// fill in clientAddress, the TCP peer's address with IPv4-mapped IPv6 addresses unwrapped.
export type FetchHandler = (request: Request, info: ConnectionInfo) => Promise<Response>;

export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The request body, read whole (kfunnel's bodies are small forms and JSON). Past `limit` bytes it
 * stops collecting: the handler gets the first limit + 1 bytes, enough to refuse the body as too
 * large, and Node discards the rest once the answer is sent, so the client still reads the 413.
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; overflow: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (overflow: boolean) => {
      req.off('data', onData);
      resolve({ body: Buffer.concat(chunks), overflow });
    };
    if (Number(req.headers['content-length']) > limit) return resolve({ body: Buffer.alloc(limit + 1), overflow: true });
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) done(true);
    };
    req.on('data', onData);
    req.once('end', () => done(false));
    req.once('error', reject);
  });
}

/** Builds a web Request from a node request and its body. Throws on a Host or URL that cannot form a URL. */
export function toWebRequest(req: IncomingMessage, body?: Buffer): Request {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string);
    } catch {
      // A header value the Fetch API refuses is dropped rather than failing the whole request.
    }
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (body ?? (Readable.toWeb(req) as ReadableStream<Uint8Array>)) : undefined,
    duplex: 'half',
  } as RequestInit);
}

/**
 * Writes a web Response to a node response in one write (bodies here are small JSON, HTML or files);
 * a body that fails mid-way resets the connection instead of ending it cleanly.
 */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  let body: Buffer | undefined;
  if (response.body) {
    try {
      body = Buffer.from(await response.arrayBuffer());
    } catch {
      // Send the status and what the headers promised, then drop the connection mid-answer.
      res.writeHead(response.status, headers);
      res.flushHeaders();
      res.destroy();
      return;
    }
  }
  if (body && !headers['transfer-encoding']) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * Header access straight on Node's raw header list, read the way web Headers read: names match
 * case-insensitively and repeated headers join with ", " (Cookie with "; ").
 */
function rawHeaderReader(raw: string[]): HeaderReader {
  return {
    get(name: string): string | null {
      const wanted = name.toLowerCase();
      let value: string | null = null;
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const header = raw[i] as string;
        if (header.length !== wanted.length || header.toLowerCase() !== wanted) continue;
        const next = raw[i + 1] as string;
        value = value === null ? next : `${value}${wanted === 'cookie' ? '; ' : ', '}${next}`;
      }
      return value;
    },
  };
}

/**
 * A node request as the proxy's pipeline reads it, without building a web Request. `body` is what
 * readNodeBody read (overflow: it stopped at its limit). Throws, as toWebRequest does, on a Host or URL
 * that cannot form a URL.
 */
export function fromNodeRequest(req: IncomingMessage, body?: Buffer, overflow = false): ProxyRequest {
  const parsed = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const bytes = body ? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) : new Uint8Array(0);
  return withParsedUrl({
    method: req.method ?? 'GET',
    url: parsed.href,
    headers: rawHeaderReader(req.rawHeaders),
    read: async (limit) => (overflow || bytes.byteLength > limit ? null : bytes),
    // The body was read already, or stopped at its limit: Node discards the rest once the answer is sent.
    discard: async () => {},
  }, parsed);
}

/** Writes the pipeline's answer with writeHead/end (a web Response, for the few answers made as one, through writeWebResponse). */
export function writeAnswer(res: ServerResponse, answer: Answer): Promise<void> | void {
  if (answer instanceof Response) return writeWebResponse(res, answer);
  const headers: Record<string, string | string[]> = answer.headers;
  if (answer.cookies.length) headers['set-cookie'] = answer.cookies;
  if (answer.body !== null) headers['content-length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, headers);
  res.end(answer.body ?? undefined);
}

/**
 * A node `(req, res)` listener around a pipeline on the request/answer interface (exchange.ts): the same
 * refusals as toNodeListener, without a web Request or Response per call.
 */
export function toNodePipelineListener(pipeline: (request: ProxyRequest, info: ConnectionInfo) => Promise<Answer>, maxBodyBytes = 1024 * 1024) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (FORBIDDEN_METHODS.includes(req.method ?? '')) {
      writeError(res, 405, 'method_not_allowed', 'Method not allowed.', { allow: 'GET, HEAD, POST, OPTIONS' });
      return;
    }
    let request: ProxyRequest;
    try {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const { body, overflow } = hasBody ? await readNodeBody(req, maxBodyBytes) : { body: undefined, overflow: false };
      request = fromNodeRequest(req, body, overflow);
    } catch {
      if (!res.headersSent) writeError(res, 400, 'bad_request', 'Bad request', { connection: 'close' });
      return;
    }
    try {
      await writeAnswer(res, await pipeline(request, { clientAddress: clientAddress(req) }));
    } catch {
      if (!res.headersSent) writeError(res, 500, 'internal_error', 'Internal error');
      else res.destroy();
    }
  };
}

/** Methods the Fetch API will not even represent; no route takes them. */
const FORBIDDEN_METHODS = ['CONNECT', 'TRACE', 'TRACK'];

/** The JSON error envelope, for the few refusals made before a web Request exists. */
function writeError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(errorEnvelope(message, code)));
}

/**
 * A node `(req, res)` listener around a fetch handler. It never lets an exception escape. Bodies over
 * `maxBodyBytes` are not read past that point (the handler then refuses them).
 */
export function toNodeListener(handler: FetchHandler, maxBodyBytes = 1024 * 1024) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (FORBIDDEN_METHODS.includes(req.method ?? '')) {
      writeError(res, 405, 'method_not_allowed', 'Method not allowed.', { allow: 'GET, HEAD, POST, OPTIONS' });
      return;
    }
    let request: Request;
    try {
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
      const { body } = hasBody ? await readNodeBody(req, maxBodyBytes) : { body: undefined };
      request = toWebRequest(req, body);
    } catch {
      if (!res.headersSent) writeError(res, 400, 'bad_request', 'Bad request', { connection: 'close' });
      return;
    }
    await handler(request, { clientAddress: clientAddress(req) })
      .then((response) => writeWebResponse(res, response))
      .catch(() => {
        if (!res.headersSent) writeError(res, 500, 'internal_error', 'Internal error');
        else res.destroy();
      });
  };
}

export interface Listening {
  server: Server;
  /** http://host:port, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  port = 0,
  host = '127.0.0.1',
): Promise<Listening> {
  const server = createServer(listener);
  // Requests Node cannot even parse (bad request line, oversized or invalid headers) get the same
  // JSON envelope as every other refusal, instead of Node's bare status line.
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(tooLarge ? errorEnvelope('Request headers are too large.', 'headers_too_large') : errorEnvelope('Malformed HTTP request.', 'bad_request'));
    socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  // Behind a load balancer, idle keep-alive sockets must outlive the balancer's own timeout.
  server.keepAliveTimeout = 65_000;
  // A client that half-closes after its request (shutdown(SHUT_WR)) still gets its answer: without this
  // Node ends the socket at the client's FIN, dropping any answer not written by then.
  (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const bound = (server.address() as AddressInfo).port;
      const shownHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? 'localhost' : host;
      resolve({
        server,
        port: bound,
        url: `http://${shownHost}:${bound}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
