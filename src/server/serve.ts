import { configFromEnv, PROXY_DEFAULTS, type ProxyConfig } from '../proxy/config.js';
import { createProxyHandler, type ProxyHandler } from '../proxy/handler.js';
import { toNodeHandler } from './proxy.js';
import { randomId } from '../proxy/signing.js';
import { describeStore, storeFromConfig } from '../proxy/store-from-config.js';
import { listeningOrigins } from './origins.js';
import { createNodeFetch } from './node-fetch.js';
import { startSandboxServer, type SandboxOptions, type SandboxServer } from '../sandbox/index.js';
import { listen, toNodeListener, type Listening } from './node.js';
import { serveStatic, STRICT_CSP } from './static.js';
import { serveScript } from '../proxy/script-asset.js';
import { packageScriptDir, scriptFilesFrom } from './script-files.js';

export interface ServeOptions {
  /** The landers to serve; without it only the proxy (and /_sandbox) answer. */
  root?: string;
  port?: number;
  host?: string;
  /** Where kfunnel.min.js and kfunnel.js are served from (default: this package's dist/). */
  scriptDir?: string;
  /** Send a strict Content-Security-Policy with every HTML page (true), or this policy (a string). */
  csp?: boolean | string;
  /** Proxy settings, over those from the environment. */
  proxy?: Partial<ProxyConfig>;
  /** Keep the proxy's state in Redis (KFUNNEL_REDIS_URL), for several instances behind a load balancer. */
  redisUrl?: string;
  /**
   * Run against an embedded sandbox. Default: when no Konnektive credentials are configured.
   * An object sets the sandbox's options (its credentials become the proxy's).
   */
  sandbox?: boolean | SandboxOptions;
}

export interface Serving extends Listening {
  /** The embedded sandbox, when there is one. */
  sandbox?: SandboxServer;
  proxyConfig: { apiUrl: string; basePath: string; embedded: boolean; publicOrigins: string[]; state: string };
  /** Where pages load the drop-in from: `${url}${basePath}/kfunnel.min.js`. */
  scriptUrl: string;
}

/** `kfunnel serve`: static landers, kfunnel's script, and the proxy, on one origin. */
export async function startServe(options: ServeOptions): Promise<Serving> {
  const fromEnv = configFromEnv();
  const proxySettings = { ...fromEnv, ...options.proxy };
  if (options.redisUrl) proxySettings.redisUrl = options.redisUrl;
  // Made before listening: a bad KFUNNEL_REDIS_URL stops the start with a clear error.
  proxySettings.store ??= proxySettings.idempotencyStore ?? storeFromConfig(proxySettings);
  const embedded = options.sandbox !== undefined ? options.sandbox !== false : !(proxySettings.loginId && proxySettings.password);
  let sandbox: SandboxServer | undefined;
  if (embedded) {
    const sandboxOptions: SandboxOptions = typeof options.sandbox === 'object' ? options.sandbox : { loginId: 'sandbox', password: 'sandbox' };
    // The proxy reaches the sandbox's API over loopback; browsers reach its pages here, under /_sandbox
    // on this origin (whatever host name they used), so a phone on the LAN can pay through them too.
    sandbox = await startSandboxServer({ pages: 'shop', ...sandboxOptions, host: '127.0.0.1', port: 0 });
    proxySettings.loginId = sandboxOptions.loginId ?? 'sandbox';
    proxySettings.password = sandboxOptions.password ?? 'sandbox';
    proxySettings.apiUrl = sandbox.url;
  }
  // The proxy needs the bound port for its default public origins, so it is made once listening.
  let proxy: ProxyHandler | undefined;
  const basePath = '/' + (proxySettings.basePath ?? '/kfunnel').replace(/^\/+|\/+$/g, '');
  const script = scriptFilesFrom(options.scriptDir ?? packageScriptDir());
  const csp = options.csp === true ? STRICT_CSP : options.csp || undefined;

  const host = options.host ?? '127.0.0.1';
  const maxBodyBytes = proxySettings.maxBodyBytes ?? PROXY_DEFAULTS.maxBodyBytes;
  // Proxy calls go straight to the proxy's Node adapter (no web Request/Response per call); pages,
  // files and the sandbox through web Requests.
  let proxyListener: ReturnType<typeof toNodeHandler> | undefined;
  const pages = toNodeListener(async (request, info) => {
      const path = new URL(request.url).pathname;
      if (path === basePath || path.startsWith(`${basePath}/`)) return (proxy as ProxyHandler)(request, info);
      if (sandbox && (path === '/_sandbox' || path.startsWith('/_sandbox/'))) return sandbox.sandbox.fetch(request);
      // Pages written before the script moved under the base path load it from the root.
      const rootScript = await serveScript(request, '', script);
      if (rootScript) return rootScript;
      if (!options.root) return new Response('Not found: this server only runs the kfunnel proxy', { status: 404 });
      const file = await serveStatic(request, { root: options.root, csp });
      // Browsers ask for /favicon.ico on pages without an icon link: no icon is not an error worth a 404.
      if (file.status === 404 && path === '/favicon.ico') return new Response(null, { status: 204, headers: { 'cache-control': 'public, max-age=86400' } });
      return file;
    }, maxBodyBytes);
  const listening = await listen(
    (req, res) => {
      let path: string | undefined;
      try {
        path = new URL(req.url ?? '/', 'http://localhost').pathname;
      } catch {
        // Left to the pages listener, which refuses it.
      }
      if (proxyListener && path !== undefined && (path === basePath || path.startsWith(`${basePath}/`))) return void proxyListener(req, res);
      void pages(req, res);
    },
    options.port ?? 8080,
    host,
  );
  const publicOrigins = proxySettings.publicOrigins?.length ? proxySettings.publicOrigins : listeningOrigins(host, listening.port);
  proxy = createProxyHandler({
    fetch: createNodeFetch(),
    script,
    // Demo mode: the sandbox's credentials are public, so return links are signed with a random secret.
    secret: embedded ? randomId() : undefined,
    ...proxySettings,
    publicOrigins,
    loginId: proxySettings.loginId ?? '',
    password: proxySettings.password ?? '',
  });
  proxyListener = toNodeHandler(proxy, maxBodyBytes);
  const url = listening.url.replace('//127.0.0.1:', '//localhost:');
  return {
    ...listening,
    url,
    scriptUrl: `${url}${basePath}/kfunnel.min.js`,
    sandbox,
    proxyConfig: { apiUrl: proxySettings.apiUrl ?? 'https://api.konnektive.com', basePath, embedded, publicOrigins, state: describeStore(proxySettings.store) },
    close: async () => {
      await listening.close();
      await proxy?.close?.();
      await sandbox?.close();
    },
  };
}
