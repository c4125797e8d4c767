/** Re-encrypts the stored secrets of configs, aws-sigv4 API keys and inbound sources under the current encryption key. */
import type { Queryable } from './pool';

/** What re-encryption needs of the service's secret box: passed in, so this module imports nothing above db. */
export interface SecretResealer {
  encrypt(plaintext: string): string;
  decrypt(stored: string): string;
  /** Whether a stored value is plaintext or under another key than the current one. */
  needsRotation(stored: string): boolean;
}

interface StoredSecrets {
  org_id: string;
  config_id: string;
  secret: string;
  previous_secret: string | null;
  auth: string | null;
}

export interface RotationResult {
  /** Configs whose secrets were re-encrypted under the current key. */
  rewritten: number;
  /** Configs already under it. */
  unchanged: number;
  /** Secret access keys of `aws-sigv4` API keys re-encrypted under the current key. */
  apiKeysRewritten: number;
  /** Inbound sources whose secrets were re-encrypted, and those already under the key. */
  inbound: { rewritten: number; unchanged: number };
}

/** The secret access keys of `aws-sigv4` API keys, re-encrypted the same way. */
async function reencryptApiKeySecrets(db: Queryable, box: SecretResealer): Promise<number> {
  const { rows } = await db.query<{ key_id: string; secret_sealed: string }>(
    `SELECT key_id, secret_sealed FROM api_keys WHERE secret_sealed IS NOT NULL`,
  );
  let rewritten = 0;
  for (const row of rows.filter((r) => box.needsRotation(r.secret_sealed))) {
    const { rowCount } = await db.query('UPDATE api_keys SET secret_sealed = $2 WHERE key_id = $1 AND secret_sealed = $3', [
      row.key_id,
      box.encrypt(box.decrypt(row.secret_sealed)),
      row.secret_sealed,
    ]);
    rewritten += rowCount ?? 0;
  }
  return rewritten;
}

interface InboundSecrets {
  source_id: string;
  secret: string;
  previous_secret: string | null;
}

/**
 * Re-encrypts every stored secret (signing secrets, receiver credentials, inbound sources' secrets) under the current key,
 * in batches. Each row is rewritten only if nobody changed it meanwhile, so it can run beside a live
 * service, and again after an interruption.
 */
export async function reencryptSecrets(db: Queryable, box: SecretResealer, batchSize = 500): Promise<RotationResult> {
  const result: RotationResult = { rewritten: 0, unchanged: 0, apiKeysRewritten: 0, inbound: { rewritten: 0, unchanged: 0 } };
  let after: [string, string] = ['', ''];
  for (;;) {
    const { rows } = await db.query<StoredSecrets>(
      `SELECT org_id, config_id, secret, previous_secret, auth FROM webhook_configs
       WHERE (org_id, config_id) > ($1, $2) ORDER BY org_id, config_id LIMIT $3`,
      [after[0], after[1], batchSize],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const stale = [row.secret, row.previous_secret, row.auth].some((value) => value !== null && box.needsRotation(value));
      if (!stale) {
        result.unchanged += 1;
        continue;
      }
      const reseal = (value: string | null) => (value === null || !box.needsRotation(value) ? value : box.encrypt(box.decrypt(value)));
      const { rowCount } = await db.query(
        `UPDATE webhook_configs SET secret = $3, previous_secret = $4, auth = $5
         WHERE org_id = $1 AND config_id = $2
           AND secret = $6 AND previous_secret IS NOT DISTINCT FROM $7 AND auth IS NOT DISTINCT FROM $8`,
        [row.org_id, row.config_id, reseal(row.secret), reseal(row.previous_secret), reseal(row.auth), row.secret, row.previous_secret, row.auth],
      );
      // A row changed meanwhile was written by the service, under the current key already.
      if ((rowCount ?? 0) > 0) result.rewritten += 1;
      else result.unchanged += 1;
    }
    const last = rows[rows.length - 1];
    after = [last.org_id, last.config_id];
  }
  result.apiKeysRewritten = await reencryptApiKeySecrets(db, box);
  await reencryptInboundSecrets(db, box, batchSize, result.inbound);
  return result;
}

async function reencryptInboundSecrets(db: Queryable, box: SecretResealer, batchSize: number, result: RotationResult['inbound']): Promise<void> {
  const reseal = (value: string | null) => (value === null || !box.needsRotation(value) ? value : box.encrypt(box.decrypt(value)));
  let after = '';
  for (;;) {
    const { rows } = await db.query<InboundSecrets>(
      'SELECT source_id, secret, previous_secret FROM inbound_sources WHERE source_id > $1 ORDER BY source_id LIMIT $2',
      [after, batchSize],
    );
    if (rows.length === 0) return;
    for (const row of rows) {
      if (![row.secret, row.previous_secret].some((value) => value !== null && box.needsRotation(value))) {
        result.unchanged += 1;
        continue;
      }
      const { rowCount } = await db.query(
        `UPDATE inbound_sources SET secret = $2, previous_secret = $3
         WHERE source_id = $1 AND secret = $4 AND previous_secret IS NOT DISTINCT FROM $5`,
        [row.source_id, reseal(row.secret), reseal(row.previous_secret), row.secret, row.previous_secret],
      );
      if ((rowCount ?? 0) > 0) result.rewritten += 1;
      else result.unchanged += 1;
    }
    after = rows[rows.length - 1].source_id;
  }
}
