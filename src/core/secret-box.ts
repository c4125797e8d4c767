/** Encryption at rest of the secrets and credentials stored in Postgres, under a current key and older ones. */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ConfigError } from '../config-error';

/**
 * AES-256-GCM for secrets at rest. A stored value reads `enc:v1:{keyId}:{iv}:{tag}:{ciphertext}` (base64url
 * parts), so rows written under an older key still decrypt while a rotation re-encrypts them. The key id
 * is derived from the key itself: nothing besides the keys has to be configured.
 */
const PREFIX = 'enc:v1:';
const IV_BYTES = 12;
const KEY_BYTES = 32;

export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

export interface SecretBox {
  /** Id of the key new values are encrypted under. */
  readonly keyId: string;
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
  /** Whether a stored value is plaintext or under another key than the current one. */
  needsRotation(stored: string): boolean;
}

/** Decodes a base64 key of exactly 32 bytes, or undefined. */
export function decodeKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text, 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('temporal-webhooks key id').update(key).digest('hex').slice(0, 12);
}

export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

export function isEncrypted(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

export function createSecretBox(current: Buffer, previous: readonly Buffer[] = []): SecretBox {
  const keys = new Map<string, Buffer>();
  for (const key of [...previous, current]) keys.set(keyIdOf(key), key);
  const keyId = keyIdOf(current);

  return {
    keyId,
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return `${PREFIX}${keyId}:${iv.toString('base64url')}:${tag.toString('base64url')}:${ciphertext.toString('base64url')}`;
    },
    decrypt(stored) {
      // Written before encryption at rest was introduced: readable until `rotate-encryption-key` encrypts it.
      if (!isEncrypted(stored)) return stored;
      const [id, iv, tag, ciphertext, extra] = stored.slice(PREFIX.length).split(':');
      if (!id || iv === undefined || tag === undefined || ciphertext === undefined || extra !== undefined) throw new DecryptionError('malformed encrypted value');
      const key = keys.get(id);
      if (!key) throw new DecryptionError(`value encrypted under key ${id}, which is not configured (ENCRYPTION_KEY, ENCRYPTION_PREVIOUS_KEYS)`);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new DecryptionError(`value under key ${id} failed authentication`);
      }
    },
    needsRotation(stored) {
      return !stored.startsWith(`${PREFIX}${keyId}:`);
    },
  };
}

/** The box of a running service, from ENCRYPTION_KEY and ENCRYPTION_PREVIOUS_KEYS. */
export function secretBoxFor(config: { ENCRYPTION_KEY?: string; ENCRYPTION_PREVIOUS_KEYS: readonly string[] }): SecretBox {
  if (!config.ENCRYPTION_KEY) {
    throw new ConfigError('ENCRYPTION_KEY is required: 32 random bytes, base64 (for example `openssl rand -base64 32`)');
  }
  // The schema has checked both already; decodeKey cannot fail here.
  return createSecretBox(decodeKey(config.ENCRYPTION_KEY)!, config.ENCRYPTION_PREVIOUS_KEYS.map((key) => decodeKey(key)!));
}
