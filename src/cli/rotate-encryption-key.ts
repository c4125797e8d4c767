/**
 * `npm run rotate-encryption-key`: after a new ENCRYPTION_KEY is deployed with the old one in
 * ENCRYPTION_PREVIOUS_KEYS, re-encrypts every stored secret under the new key. Once it reports
 * nothing left, the old key can be dropped from ENCRYPTION_PREVIOUS_KEYS.
 */
import { loadConfig } from '../config';
import { secretBoxFor } from '../core/secret-box';
import { reencryptSecrets } from '../db/encryption-rotation';
import { createPool } from '../db/pool';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const box = secretBoxFor(config);
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 1 });
  try {
    const { rewritten, unchanged, apiKeysRewritten, inbound } = await reencryptSecrets(pool, box);
    console.log(`re-encrypted the secrets of ${rewritten} config(s) under key ${box.keyId}; ${unchanged} already under it`);
    if (apiKeysRewritten) console.log(`re-encrypted the secret access keys of ${apiKeysRewritten} aws-sigv4 API key(s)`);
    console.log(`re-encrypted the secrets of ${inbound.rewritten} inbound source(s); ${inbound.unchanged} already under it`);
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
