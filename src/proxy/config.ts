import type { ProxyStore } from './store.js';
import { storeFromConfig } from './store-from-config.js';

/**
 * Which forwarding header to believe for the visitor's address: none (false), the right-most
 * `hops` entries of X-Forwarded-For, or Cloudflare's CF-Connecting-IP.
 */
export type TrustProxy = false | { hops: number } | 'cloudflare';

export interface ProxyConfig {
  /** Konnektive API user (KONNEKTIVE_LOGIN_ID). */
  loginId: string;
  /** Konnektive API password (KONNEKTIVE_PASSWORD). */
  password: string;
  /** KONNEKTIVE_API_URL. */
  apiUrl: string;
  /** Where the routes live: `${basePath}/click` and so on. */
  basePath: string;
  /** KFUNNEL_CAMPAIGN_IDS: allowed campaign ids; empty allows any. */
  campaignIds: string[];
  /** KFUNNEL_ALLOWED_ORIGINS: origins besides the proxy's own that may call it. */
  allowedOrigins: string[];
  /**
   * KFUNNEL_PUBLIC_URL: the origins this proxy serves (https://shop.example, ...). Return links and cookie
   * scopes are built only from these, and money calls for any other host are refused. Empty: loopback
   * hosts only (`kfunnel serve` / `proxy` add the addresses they listen on).
   */
  publicOrigins: string[];
  /** KFUNNEL_COOKIE_DOMAIN: the Domain of kf_sid, kf_oid and the visitor cookie, to share them across subdomains. */
  cookieDomain?: string;
  /** KFUNNEL_TRUST_PROXY: false, true / a hop count, or "cloudflare". */
  trustProxy: TrustProxy;
  /** KFUNNEL_ALLOW_PRICE_OVERRIDES: let the browser send product prices, shipping and tax. */
  allowPriceOverrides: boolean;
  /** KFUNNEL_PAYPAL_MERCHANT_ID: sent as forceMerchantId and paypalBillerId on PayPal orders. */
  paypalMerchantId?: string;
  /**
   * KFUNNEL_SECRET: signs return links and hand-offs. Unset: derived from the credentials, except with
   * the sandbox's public ones, where each process draws a random one. Instances sharing a store need
   * the same secret.
   */
  secret?: string;
  maxBodyBytes: number;
  /** KFUNNEL_RATE_LIMIT: requests per minute per visitor address (also the burst); 0 turns it off. */
  rateLimitPerMinute: number;
  /** KFUNNEL_TIMEOUT_MS: how long click, lead and confirm wait for Konnektive. */
  timeoutMs: number;
  /** KFUNNEL_MONEY_TIMEOUT_MS: how long order, upsale and PayPal wait before answering 504. */
  moneyTimeoutMs: number;
  /** A money call that outlived moneyTimeoutMs keeps running this long, so a retry gets its answer. */
  settleTimeoutMs: number;
  /** How long idempotency records and paid-order records are kept. */
  idempotencyTtlMs: number;
  /** How long a visitor's hold on its orders lasts (as long as the kf_oid cookie). */
  grantTtlMs: number;
  /** A caller forwarding or settling a money call holds a lease this long, renewed while it works. */
  leaseMs: number;
  /** New Idempotency-Keys one visitor may start per hour: a flood of fresh keys cannot crowd out the store. */
  keysPerVisitorPerHour: number;
  /**
   * Where state lives: idempotency records, leases, paid orders, grants, rate limits, scheduled
   * confirmations. Default: Redis at `redisUrl` when set, else this process's memory.
   */
  store: ProxyStore;
  /** KFUNNEL_REDIS_URL: keep the state in Redis, shared by every instance (redis://host:6379). */
  redisUrl?: string;
  /** KFUNNEL_REDIS_PREFIX: starts every Redis key (default `kfunnel:`). */
  redisPrefix?: string;
  /**
   * KFUNNEL_CONFIRM_AFTER_MINUTES (in ms here): a paid order with no funnel activity for this long gets
   * its Confirm Order from the proxy, once, unless the thank-you page sent it. 0 turns it off.
   */
  confirmAfterMs: number;
  /** The old name of `store`. */
  idempotencyStore?: ProxyStore;
  /** Receives one redacted JSON line per request. */
  log: (line: string) => void;
  /** The fetch used to reach Konnektive. */
  fetch: typeof fetch;
}

export type ProxyOptions = Partial<ProxyConfig> & Pick<ProxyConfig, 'loginId' | 'password'>;

export const PROXY_DEFAULTS = {
  apiUrl: 'https://api.konnektive.com',
  basePath: '/kfunnel',
  campaignIds: [] as string[],
  allowedOrigins: [] as string[],
  publicOrigins: [] as string[],
  trustProxy: false as TrustProxy,
  allowPriceOverrides: false,
  maxBodyBytes: 64 * 1024,
  rateLimitPerMinute: 120,
  timeoutMs: 10_000,
  moneyTimeoutMs: 45_000,
  settleTimeoutMs: 120_000,
  idempotencyTtlMs: 24 * 60 * 60 * 1000,
  grantTtlMs: 30 * 24 * 60 * 60 * 1000,
  leaseMs: 15_000,
  keysPerVisitorPerHour: 60,
  confirmAfterMs: 20 * 60 * 1000,
};

export function resolveConfig(options: ProxyOptions): ProxyConfig {
  if (!options.loginId || !options.password) {
    throw new Error('kfunnel proxy: loginId and password are required (KONNEKTIVE_LOGIN_ID, KONNEKTIVE_PASSWORD)');
  }
  const config: ProxyConfig = {
    ...PROXY_DEFAULTS,
    store: options.store ?? options.idempotencyStore ?? storeFromConfig(options),
    log: batchedStdout(),
    fetch: (input, init) => globalThis.fetch(input, init),
    ...stripUndefined(options),
    loginId: options.loginId,
    password: options.password,
  };
  config.apiUrl = config.apiUrl.replace(/\/+$/, '');
  config.basePath = '/' + config.basePath.replace(/^\/+|\/+$/g, '');
  config.allowedOrigins = config.allowedOrigins.map((origin) => new URL(origin).origin);
  config.publicOrigins = config.publicOrigins.map((origin) => {
    const url = new URL(origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`KFUNNEL_PUBLIC_URL must list http(s) origins (got "${origin}")`);
    return url.origin;
  });
  return config;
}

/**
 * Log lines to stdout, written together once per event-loop turn: one write per request is a
 * measurable share of the proxy's time under load. Runtimes without process.stdout get console.log.
 */
function batchedStdout(): (line: string) => void {
  const stdout = (globalThis as { process?: { stdout?: { write(text: string): unknown } } }).process?.stdout;
  if (!stdout) return (line) => console.log(line);
  let pending: string[] = [];
  const flush = () => {
    const text = pending.join('\n') + '\n';
    pending = [];
    stdout.write(text);
  };
  return (line) => {
    if (pending.push(line) === 1) setTimeout(flush, 0);
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const list = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const number = (value: string | undefined) => (value === undefined || value === '' ? undefined : Number(value));

/** Minutes (fractions allowed, for tests) as milliseconds; 0 turns funnel completion off. */
function minutes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`KFUNNEL_CONFIRM_AFTER_MINUTES must be a number of minutes, 0 for off (got "${value}")`);
  return Math.round(n * 60_000);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number (got "${value}")`);
  return n;
}

export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'false' || v === '0' || v === 'no') return false;
  if (v === 'cloudflare') return 'cloudflare';
  if (v === 'true' || v === 'yes') return { hops: 1 };
  const hops = Number(v);
  if (Number.isInteger(hops) && hops > 0) return { hops };
  throw new Error(`KFUNNEL_TRUST_PROXY must be false, true, a number of proxy hops, or "cloudflare" (got "${value}")`);
}

/** Reads the environment variables of DESIGN section 5. An empty variable counts as unset. */
export function configFromEnv(variables: Record<string, string | undefined> = process.env): Partial<ProxyConfig> {
  const env = Object.fromEntries(Object.entries(variables).filter(([, value]) => value !== ''));
  return stripUndefined({
    loginId: env.KONNEKTIVE_LOGIN_ID,
    password: env.KONNEKTIVE_PASSWORD,
    apiUrl: env.KONNEKTIVE_API_URL,
    campaignIds: env.KFUNNEL_CAMPAIGN_IDS === undefined ? undefined : list(env.KFUNNEL_CAMPAIGN_IDS),
    allowedOrigins: env.KFUNNEL_ALLOWED_ORIGINS === undefined ? undefined : list(env.KFUNNEL_ALLOWED_ORIGINS),
    publicOrigins: env.KFUNNEL_PUBLIC_URL === undefined ? undefined : list(env.KFUNNEL_PUBLIC_URL),
    cookieDomain: env.KFUNNEL_COOKIE_DOMAIN,
    trustProxy: env.KFUNNEL_TRUST_PROXY === undefined ? undefined : parseTrustProxy(env.KFUNNEL_TRUST_PROXY),
    allowPriceOverrides: env.KFUNNEL_ALLOW_PRICE_OVERRIDES === undefined ? undefined : /^(1|true|yes)$/i.test(env.KFUNNEL_ALLOW_PRICE_OVERRIDES),
    paypalMerchantId: env.KFUNNEL_PAYPAL_MERCHANT_ID || undefined,
    secret: env.KFUNNEL_SECRET || undefined,
    rateLimitPerMinute: number(env.KFUNNEL_RATE_LIMIT),
    timeoutMs: number(env.KFUNNEL_TIMEOUT_MS),
    moneyTimeoutMs: number(env.KFUNNEL_MONEY_TIMEOUT_MS),
    basePath: env.KFUNNEL_BASE_PATH,
    redisUrl: env.KFUNNEL_REDIS_URL,
    redisPrefix: env.KFUNNEL_REDIS_PREFIX,
    confirmAfterMs: minutes(env.KFUNNEL_CONFIRM_AFTER_MINUTES),
    leaseMs: positive('KFUNNEL_LEASE_MS', env.KFUNNEL_LEASE_MS),
  });
}
