import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

/** What a node adapter knows about the connection that a web Request does not carry. */
export interface ConnectionInfo {
  /** The TCP peer's address (IPv4-mapped IPv6 addresses are unwrapped). */
  clientAddress: string;
}

export type FetchHandler = (request: Request, info: ConnectionInfo) => Promise<Response>;

export function clientAddress(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Builds a web Request from a node request. Throws on a Host or URL that cannot form a URL. */
export function toWebRequest(req: IncomingMessage): Request {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    try {
      headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    } catch {
      // A header value the Fetch API refuses is dropped rather than failing the whole request.
    }
  }
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
    duplex: 'half',
  } as RequestInit);
}

/** Writes a web Response to a node response; a body stream that fails mid-way resets the socket. */
export async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers[key] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  } catch {
    res.destroy();
  }
}

const FALLBACK = JSON.stringify({ result: 'ERROR', message: 'Bad request', code: 'bad_request' });

/** A node `(req, res)` listener around a fetch handler. It never lets an exception escape. */
export function toNodeListener(handler: FetchHandler) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    let request: Request;
    try {
      request = toWebRequest(req);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' }).end(FALLBACK);
      return;
    }
    handler(request, { clientAddress: clientAddress(req) })
      .then((response) => writeWebResponse(res, response))
      .catch(() => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ result: 'ERROR', message: 'Internal error', code: 'internal_error' }));
        } else res.destroy();
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
  // Behind a load balancer, idle keep-alive sockets must outlive the balancer's own timeout.
  server.keepAliveTimeout = 65_000;
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
