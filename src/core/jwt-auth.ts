/**
 * JWT receiver auth: a token signed per request with `jose`, HS256 with a shared secret or RS256/ES256
 * with a PKCS#8 private key. Claims: iat, exp, jti (the webhook-id), sub (the org), iss and aud when set.
 */
import { createHash } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
/** Lifetime of a token when the config sets none. */
export const DEFAULT_JWT_TTL_SECONDS = 300;
/** Shortest HS256 secret: RFC 7518 §3.2 asks for a key as long as the hash, 256 bits. */
export const MIN_HMAC_KEY_BYTES = 32;

export interface JwtAuth {
  type: 'jwt';
  algorithm: JwtAlgorithm;
  key: string;
  issuer?: string;
  audience?: string;
  ttlSeconds?: number;
}

type SigningKey = Awaited<ReturnType<typeof importPKCS8>> | Uint8Array;

/** A key that cannot sign with its algorithm. */
export class JwtKeyError extends Error {
  override readonly name = 'JwtKeyError';
}

/** Imports the signing key, or throws JwtKeyError saying why it cannot sign. */
export async function importJwtKey(auth: Pick<JwtAuth, 'algorithm' | 'key'>): Promise<SigningKey> {
  if (auth.algorithm === 'HS256') {
    const key = new TextEncoder().encode(auth.key);
    if (key.length < MIN_HMAC_KEY_BYTES) throw new JwtKeyError(`an HS256 key needs at least ${MIN_HMAC_KEY_BYTES} bytes`);
    return key;
  }
  try {
    return await importPKCS8(auth.key, auth.algorithm);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JwtKeyError(`expected a PKCS#8 PEM private key for ${auth.algorithm} ("-----BEGIN PRIVATE KEY-----"): ${reason}`);
  }
}

/** Signs tokens, keeping each imported key (by a hash of it, never the key itself as a map key). */
export function createJwtSigner(options: { now?: () => number; cacheSize?: number } = {}) {
  const now = options.now ?? Date.now;
  const limit = options.cacheSize ?? 200;
  const keys = new Map<string, Promise<SigningKey>>();

  function keyFor(auth: JwtAuth): Promise<SigningKey> {
    const id = createHash('sha256').update(`${auth.algorithm}\0${auth.key}`).digest('hex');
    let key = keys.get(id);
    if (!key) {
      key = importJwtKey(auth);
      key.catch(() => keys.delete(id));
      if (keys.size >= limit) keys.delete(keys.keys().next().value as string);
      keys.set(id, key);
    }
    return key;
  }

  return {
    /** A fresh token for one request. */
    async sign(auth: JwtAuth, claims: { jti: string; sub: string }): Promise<string> {
      const issuedAt = Math.floor(now() / 1000);
      const jwt = new SignJWT({})
        .setProtectedHeader({ alg: auth.algorithm, typ: 'JWT' })
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + (auth.ttlSeconds ?? DEFAULT_JWT_TTL_SECONDS))
        .setJti(claims.jti)
        .setSubject(claims.sub);
      if (auth.issuer !== undefined) jwt.setIssuer(auth.issuer);
      if (auth.audience !== undefined) jwt.setAudience(auth.audience);
      return jwt.sign(await keyFor(auth));
    },
  };
}
