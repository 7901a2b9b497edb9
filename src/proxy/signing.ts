/**
 * HMAC-signed tokens for links the proxy hands out and must later believe: 3-D Secure / redirect
 * payment return links and cross-domain hand-offs. A token is `payload.signature`, both base64url, the
 * payload a JSON array whose first element names its kind, so one kind can never pass for another.
 */
const encoder = new TextEncoder();

/** The part of node:crypto used here. */
interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: string): { digest(encoding: 'hex'): string } };
  createHmac(algorithm: 'sha256', key: string): { update(data: string): { digest(): Uint8Array } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
}

/**
 * node:crypto where the runtime has it (Node, Bun, Deno; Workers with nodejs_compat), reached through
 * process.getBuiltinModule so nothing is imported and edge bundles stay free of Node. Hashing and HMAC
 * there are synchronous: WebCrypto's promise jobs cost about a fifth of the proxy's CPU on an order.
 * Both give the same bytes; WebCrypto is the fallback.
 */
const nodeCrypto = (() => {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return runtime?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

/** SHA-256 of the text's UTF-8 bytes, as 64 hex digits. */
export async function sha256(text: string): Promise<string> {
  if (nodeCrypto) return nodeCrypto.createHash('sha256').update(text).digest('hex');
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Random bytes drawn 4 KB at a time (each draw through getRandomValues has a fixed cost), filled on first use: Workers refuse random values at start-up. */
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** 128 random bits as 22 base64url characters: visitor ids, nonces, lease tokens, demo secrets. */
export function randomId(): string {
  if (poolOffset + 16 > pool.length) {
    crypto.getRandomValues(pool);
    poolOffset = 0;
  }
  const id = base64url(pool.subarray(poolOffset, poolOffset + 16));
  // Used bytes are zeroed, so no id can ever be derived from a copy of the pool.
  pool.fill(0, poolOffset, poolOffset + 16);
  poolOffset += 16;
  return id;
}

/** The first 16 hex digits of SHA-256: names a secret in a token without carrying the secret. */
export async function shortHash(text: string): Promise<string> {
  return (await sha256(text)).slice(0, 16);
}

export const MAX_TOKEN_LENGTH = 8192;

export class Signer {
  private keyPromise: Promise<CryptoKey> | undefined;

  constructor(private readonly secret: string) {}

  private get key(): Promise<CryptoKey> {
    return (this.keyPromise ??= crypto.subtle.importKey('raw', encoder.encode(this.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
  }

  private async mac(payload: string): Promise<Uint8Array> {
    if (nodeCrypto) return nodeCrypto.createHmac('sha256', this.secret).update(payload).digest();
    return new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, encoder.encode(payload)));
  }

  async sign(kind: string, values: readonly unknown[]): Promise<string> {
    const payload = base64url(encoder.encode(JSON.stringify([kind, ...values])));
    return `${payload}.${base64url(await this.mac(payload))}`;
  }

  /** The values signed under `kind`, or null when the token is forged, malformed or of another kind. */
  async verify(kind: string, token: string): Promise<unknown[] | null> {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const given = fromBase64url(signature);
      if (nodeCrypto) {
        const expected = await this.mac(payload);
        if (given.length !== expected.length || !nodeCrypto.timingSafeEqual(given, expected)) return null;
      } else if (!(await crypto.subtle.verify('HMAC', await this.key, given, encoder.encode(payload)))) {
        return null;
      }
      const values: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(payload)));
      return Array.isArray(values) && values[0] === kind ? values.slice(1) : null;
    } catch {
      return null;
    }
  }
}
