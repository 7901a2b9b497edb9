import type { IncomingMessage, ServerResponse } from 'node:http';
import { clientAddress, fromNodeRequest, listen, readNodeBody, toNodeListener, toNodePipelineListener, writeAnswer, writeWebResponse, type Listening } from './node.js';
import { createNodeFetch } from './node-fetch.js';
import { listeningOrigins } from './origins.js';
import { createProxyHandler, pipelineOf, type ProxyHandler } from '../proxy/handler.js';
import { PROXY_DEFAULTS, type ProxyOptions } from '../proxy/config.js';
import { describeStore, storeFromConfig } from '../proxy/store-from-config.js';

/**
 * A node:http `(req, res)` listener serving the proxy on every path it is given. A handler made by
 * createProxyHandler is fed straight from the node request (its pipeline, without web Request/Response
 * objects); any other fetch handler through web Requests.
 */
export function toNodeHandler(handler: ProxyHandler, maxBodyBytes = PROXY_DEFAULTS.maxBodyBytes) {
  const pipeline = pipelineOf(handler);
  if (pipeline) return toNodePipelineListener(pipeline, maxBodyBytes);
  return toNodeListener((request, info) => handler(request, info), maxBodyBytes);
}

type Next = (error?: unknown) => void;

/**
 * Connect / Express middleware: handles `${basePath}/*` and passes everything else on. Mount it before
 * any body parser; if one ran anyway, the parsed body is re-sent as JSON (and nested values refused).
 */
export function kfunnelMiddleware(options: ProxyOptions) {
  const handler = createProxyHandler({ fetch: createNodeFetch(), ...options });
  const pipeline = pipelineOf(handler)!;
  const maxBodyBytes = options.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes;
  const basePath = '/' + (options.basePath ?? '/kfunnel').replace(/^\/+|\/+$/g, '');
  // `close()` stops the proxy's timer and its Redis connection (when it made one from redisUrl).
  return Object.assign((req: IncomingMessage & { body?: unknown; originalUrl?: string }, res: ServerResponse, next: Next): void => {
    const path = (req.originalUrl ?? req.url ?? '/').split('?', 1)[0] ?? '/';
    if (path !== basePath && !path.startsWith(`${basePath}/`)) return next();
    let parsed: Request | undefined;
    try {
      parsed = parsedBodyRequest(req);
    } catch (error) {
      return next(error);
    }
    const info = { clientAddress: clientAddress(req) };
    if (parsed) return void handler(parsed, info).then((response) => writeWebResponse(res, response)).catch(next);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    (hasBody ? readNodeBody(req, maxBodyBytes) : Promise.resolve({ body: undefined, overflow: false }))
      .then(({ body, overflow }) => pipeline(fromNodeRequest(req, body, overflow), info))
      .then((answer) => writeAnswer(res, answer))
      .catch(next);
  }, { close: async () => handler.close?.() });
}

function parsedBodyRequest(req: IncomingMessage & { body?: unknown; originalUrl?: string }): Request | undefined {
  if (req.body === undefined || req.body === null || typeof req.body !== 'object' || !req.readableEnded) return undefined;
  const url = new URL(req.originalUrl ?? req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'content-length' || name === 'content-type') continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.set('content-type', 'application/json');
  return new Request(url, { method: req.method, headers, body: JSON.stringify(req.body) });
}

/** `kfunnel proxy`: the proxy alone on a node:http server. */
export async function startProxyServer(options: ProxyOptions & { port?: number; host?: string }): Promise<Listening & { publicOrigins: string[]; state: string }> {
  const host = options.host ?? '127.0.0.1';
  // Made before listening: a bad KFUNNEL_REDIS_URL stops the start with a clear error.
  const store = options.store ?? options.idempotencyStore ?? storeFromConfig(options);
  // The handler needs the bound port for its default public origins, so it is made once listening.
  let listener: ReturnType<typeof toNodeHandler> | undefined;
  const listening = await listen((req, res) => void listener?.(req, res), options.port ?? 0, host);
  const publicOrigins = options.publicOrigins?.length ? options.publicOrigins : listeningOrigins(host, listening.port);
  const proxy = createProxyHandler({ fetch: createNodeFetch(), ...options, store, publicOrigins });
  listener = toNodeHandler(proxy, options.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes);
  return {
    ...listening,
    publicOrigins,
    state: describeStore(store),
    close: async () => {
      await listening.close();
      await proxy.close?.();
    },
  };
}
