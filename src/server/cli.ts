import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../proxy/config.js';
import { startProxyServer } from './proxy.js';
import { loadCampaignFile, startSandboxServer, TEST_CARDS, type Campaign } from '../sandbox/index.js';
import { startServe } from './serve.js';

const USAGE = `kfunnel: drop-in funnel script, proxy and sandbox for Konnektive CRM landers

Usage:
  kfunnel serve   [--root DIR] [--port N] [--host H] [--csp] [--campaign FILE]
                  static landers from DIR (default demo-landers) + the proxy on one origin
  kfunnel proxy   [--port N] [--host H] [--campaign FILE]
                  the proxy alone, for landers hosted elsewhere
  kfunnel sandbox [--port N] [--host H] [--campaign FILE]
                  the Konnektive-compatible sandbox alone

Without KONNEKTIVE_LOGIN_ID and KONNEKTIVE_PASSWORD, serve and proxy run an embedded sandbox.
Environment: KONNEKTIVE_LOGIN_ID, KONNEKTIVE_PASSWORD, KONNEKTIVE_API_URL, KFUNNEL_CAMPAIGN_IDS,
KFUNNEL_ALLOWED_ORIGINS, KFUNNEL_PUBLIC_URL, KFUNNEL_COOKIE_DOMAIN, KFUNNEL_TRUST_PROXY, KFUNNEL_SECRET,
KFUNNEL_RATE_LIMIT, KFUNNEL_REDIS_URL, KFUNNEL_REDIS_PREFIX, KFUNNEL_CONFIRM_AFTER_MINUTES, PORT.`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return pkg.version;
}

function fail(message: string): never {
  console.error(`kfunnel: ${message}`);
  process.exit(2);
}

function port(value: string | undefined, fallback: number): number {
  const raw = value ?? process.env.PORT;
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`invalid port "${raw}"`);
  return n;
}

function campaigns(file: string | undefined): Campaign[] | undefined {
  if (!file) return undefined;
  try {
    return loadCampaignFile(file);
  } catch (error) {
    fail((error as Error).message);
  }
}

function onStop(close: () => Promise<void>): void {
  const stop = () => void close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** What the proxy will take payments for, and where its state lives: said at start, so nobody guesses. */
function accepting(origins: string[], state: string): string {
  const configured = Boolean(process.env.KFUNNEL_PUBLIC_URL);
  return `  Payments:  accepted for ${origins.join(', ')}${configured ? ' (KFUNNEL_PUBLIC_URL)' : '\n             (set KFUNNEL_PUBLIC_URL=https://your-shop.example for a real domain)'}
  State:     ${state}`;
}

const card = TEST_CARDS[0]?.number.replace(/(\d{4})(?=\d)/g, '$1 ');

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        csp: { type: 'boolean' },
        campaign: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.version) return void console.log(version());
  if (values.help || !command) return void console.log(USAGE);

  if (command === 'sandbox') {
    const server = await startSandboxServer({ port: port(values.port, 9100), host: values.host, campaigns: campaigns(values.campaign) });
    console.log(`kfunnel sandbox (Konnektive-compatible API, in memory)
  API and inspector: ${server.url}/
  Credentials: ${process.env.KONNEKTIVE_LOGIN_ID ? 'KONNEKTIVE_LOGIN_ID / KONNEKTIVE_PASSWORD' : 'sandbox / sandbox'}
  Test card: ${card}, any future expiry, CVV 123`);
    return onStop(server.close);
  }

  if (command === 'serve' || command === 'proxy') {
    const env = configFromEnv();
    const hasCredentials = Boolean(env.loginId && env.password);
    const sandboxCampaigns = campaigns(values.campaign);
    const common = { port: port(values.port, 8080), host: values.host };
    if (command === 'proxy' && hasCredentials) {
      const server = await startProxyServer({ ...env, loginId: env.loginId as string, password: env.password as string, ...common });
      const base = env.basePath ?? '/kfunnel';
      console.log(`kfunnel proxy\n  Routes: ${server.url}${base}/*  ->  ${env.apiUrl ?? 'https://api.konnektive.com'}\n  Script: ${server.url}${base}/kfunnel.min.js\n${accepting(server.publicOrigins, server.state)}`);
      return onStop(server.close);
    }
    const serving = await startServe({
      root: command === 'serve' ? (values.root ?? 'demo-landers') : undefined,
      csp: values.csp,
      sandbox: hasCredentials ? false : { loginId: 'sandbox', password: 'sandbox', campaigns: sandboxCampaigns },
      ...common,
    });
    const upstream = serving.sandbox
      ? `embedded sandbox (no KONNEKTIVE_LOGIN_ID / KONNEKTIVE_PASSWORD set)`
      : serving.proxyConfig.apiUrl;
    console.log(`kfunnel ${command}
  ${command === 'serve' ? `Landers:   ${serving.url}/   (${values.root ?? 'demo-landers'})\n  ` : ''}Script:    ${serving.scriptUrl}   (<script src="${serving.proxyConfig.basePath}/kfunnel.min.js" defer data-campaign-id="..."></script>)
  Proxy:     ${serving.url}${serving.proxyConfig.basePath}/*  ->  ${upstream}${
      serving.sandbox ? `\n  Sandbox:   ${serving.url}/_sandbox   (inspector, 3-D Secure and PayPal pages)\n  Test card: ${card}, any future expiry, CVV 123` : ''
    }\n${accepting(serving.proxyConfig.publicOrigins, serving.proxyConfig.state)}`);
    return onStop(serving.close);
  }
  fail(`unknown command "${command}"\n\n${USAGE}`);
}

main(process.argv.slice(2)).catch((error) => fail(error?.message ?? String(error)));
