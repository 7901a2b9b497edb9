/**
 * HMAC-signed tokens for links the proxy hands out and must later believe: 3-D Secure / redirect
 * payment return links and cross-domain hand-offs. A token is `payload.signature`, both base64url, the
 * payload a JSON array whose first element names its kind, so one kind can never pass for another.
 */
const encoder = new TextEncoder();

export function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** 128 random bits as 22 base64url characters: visitor ids, nonces, demo secrets. */
export const randomId = () => base64url(crypto.getRandomValues(new Uint8Array(16)));

/** The first 16 hex digits of SHA-256: names a secret in a token without carrying the secret. */
export async function shortHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

export const MAX_TOKEN_LENGTH = 8192;

export class Signer {
  private readonly key: Promise<CryptoKey>;

  constructor(secret: string) {
    this.key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  }

  async sign(kind: string, values: readonly unknown[]): Promise<string> {
    const payload = base64url(encoder.encode(JSON.stringify([kind, ...values])));
    const signature = new Uint8Array(await crypto.subtle.sign('HMAC', await this.key, encoder.encode(payload)));
    return `${payload}.${base64url(signature)}`;
  }

  /** The values signed under `kind`, or null when the token is forged, malformed or of another kind. */
  async verify(kind: string, token: string): Promise<unknown[] | null> {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined || token.length > MAX_TOKEN_LENGTH) return null;
    try {
      const valid = await crypto.subtle.verify('HMAC', await this.key, fromBase64url(signature), encoder.encode(payload));
      if (!valid) return null;
      const values: unknown = JSON.parse(new TextDecoder().decode(fromBase64url(payload)));
      return Array.isArray(values) && values[0] === kind ? values.slice(1) : null;
    } catch {
      return null;
    }
  }
}
