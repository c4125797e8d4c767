/** Keys generated for `npm start` on a developer's machine and kept between starts. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { generateEncryptionKey } from '../core/secret-box';

export interface DevSecrets {
  ADMIN_API_KEY: string;
  ENCRYPTION_KEY: string;
}

/**
 * Keys for `npm start` on a developer's machine, made on first start and kept (mode 0600) beside the
 * dev server's data, so a restart still decrypts what was stored and the same admin key keeps working.
 * Production sets both in its environment and never reads this file.
 */
export function loadOrCreateDevSecrets(file: string): DevSecrets {
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevSecrets>;
    if (stored.ADMIN_API_KEY && stored.ENCRYPTION_KEY) return { ADMIN_API_KEY: stored.ADMIN_API_KEY, ENCRYPTION_KEY: stored.ENCRYPTION_KEY };
  }
  const secrets: DevSecrets = {
    ADMIN_API_KEY: `twk_admin_${randomBytes(24).toString('hex')}`,
    ENCRYPTION_KEY: generateEncryptionKey(),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}
