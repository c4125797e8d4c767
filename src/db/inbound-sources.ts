/** Queries of the inbound_sources table: providers whose signed webhooks this service receives. */
import type { Queryable } from './pool';

export const INBOUND_PROVIDERS = ['github', 'stripe', 'twilio', 'standard'] as const;
export type InboundProvider = (typeof INBOUND_PROVIDERS)[number];

export interface InboundSourceRow {
  source_id: string;
  provider: InboundProvider;
  org_id: string;
  event_name_prefix: string;
  /** The URL the provider calls, when it differs from what this service sees (a proxy in between): Twilio signs it. */
  public_url: string | null;
  /** Encrypted, as is `previous_secret`. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface InboundSourceFields {
  provider: InboundProvider;
  orgId: string;
  eventNamePrefix: string;
  publicUrl: string | null;
}

export async function getInboundSource(db: Queryable, sourceId: string): Promise<InboundSourceRow | undefined> {
  const { rows } = await db.query<InboundSourceRow>('SELECT * FROM inbound_sources WHERE source_id = $1', [sourceId]);
  return rows[0];
}

export async function getInboundSourceForUpdate(db: Queryable, sourceId: string): Promise<InboundSourceRow | undefined> {
  const { rows } = await db.query<InboundSourceRow>('SELECT * FROM inbound_sources WHERE source_id = $1 FOR UPDATE', [sourceId]);
  return rows[0];
}

/**
 * Creates or replaces a source. `rotatedOut` is the encrypted secret this write replaces, kept verifying
 * for `overlapMs`; null keeps whatever previous secret the row had.
 */
export async function putInboundSource(
  db: Queryable,
  sourceId: string,
  fields: InboundSourceFields,
  secret: string,
  rotatedOut: string | null,
  overlapMs: number,
): Promise<{ created: boolean; source: InboundSourceRow }> {
  const { rows } = await db.query<InboundSourceRow & { inserted: boolean }>(
    `INSERT INTO inbound_sources (source_id, provider, org_id, event_name_prefix, public_url, secret)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (source_id) DO UPDATE SET
       provider = EXCLUDED.provider, org_id = EXCLUDED.org_id, event_name_prefix = EXCLUDED.event_name_prefix,
       public_url = EXCLUDED.public_url, secret = EXCLUDED.secret,
       previous_secret = CASE WHEN $7::text IS NULL THEN inbound_sources.previous_secret ELSE $7 END,
       previous_secret_expires_at = CASE WHEN $7::text IS NULL THEN inbound_sources.previous_secret_expires_at
                                         ELSE now() + make_interval(secs => $8::double precision / 1000) END,
       updated_at = now()
     RETURNING *, (xmax = 0) AS inserted`,
    [sourceId, fields.provider, fields.orgId, fields.eventNamePrefix, fields.publicUrl, secret, rotatedOut, overlapMs],
  );
  const { inserted, ...row } = rows[0];
  return { created: inserted, source: row as InboundSourceRow };
}

export async function deleteInboundSource(db: Queryable, sourceId: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM inbound_sources WHERE source_id = $1', [sourceId]);
  return (rowCount ?? 0) > 0;
}
