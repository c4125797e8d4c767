/** Queries of the deliveries table: one row per event and config, its status, and what the reconciler looks for. */
import type { RetryOverride } from '../shared/retry-policy';
import type { DeliveryStatus } from '../shared/temporal';
import type { Transform } from '../shared/transform';
import type { EventEnvelope, EventRow } from './events';
import type { Queryable } from './pool';

export interface DeliveryRow {
  delivery_id: string;
  event_id: string;
  org_id: string;
  config_id: string;
  event_name: string;
  status: DeliveryStatus;
  /** Null for a test send only: it has no workflow. */
  workflow_id: string | null;
  /** A test send (POST /webhooks/{orgId}/configs/{configId}/test): never retried, not counted toward health. */
  test: boolean;
  workflow_started_at: Date | null;
  /** When the reconciler last found the workflow of this delivery in flight still running. */
  workflow_checked_at: Date | null;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  retried_from: string | null;
  /** The config's retry policy when the delivery was written; null: the service's defaults. */
  retry_policy: RetryOverride | null;
  created_at: Date;
  updated_at: Date;
}

export interface NewDelivery {
  deliveryId: string;
  configId: string;
  workflowId: string;
  retryPolicy?: RetryOverride | null;
}

/** Everything one attempt needs, in one round trip. The config columns are null when it was deleted. */
export interface DeliveryContext {
  delivery_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  last_status_code: number | null;
  /** HTTP attempts started since the current retry window opened. */
  window_attempts: number;
  org_id: string;
  config_id: string;
  event_name: string;
  event_id: string;
  event_created_at: Date;
  data: unknown;
  envelope: EventEnvelope | null;
  url: string | null;
  enabled: boolean | null;
  disabled_reason: string | null;
  headers: Record<string, string> | null;
  timeout_ms: number | null;
  /** Encrypted, as are `previous_secret` and `auth`. */
  secret: string | null;
  previous_secret: string | null;
  auth: string | null;
  previous_secret_expires_at: Date | null;
  transform: Transform | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  configId?: string;
  eventName?: string;
}

export interface Cursor {
  createdAt: Date;
  id: string;
}

/** All deliveries of one event in a single multi-row insert. */
export async function insertDeliveries(db: Queryable, event: EventRow, deliveries: readonly NewDelivery[], retriedFrom: string | null = null): Promise<void> {
  if (deliveries.length === 0) return;
  await db.query(
    `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, workflow_id, retried_from, retry_policy)
     SELECT d.delivery_id, $1, $2, d.config_id, $3, d.workflow_id, $7, d.retry_policy::jsonb
     FROM unnest($4::uuid[], $5::text[], $6::text[], $8::text[]) AS d(delivery_id, config_id, workflow_id, retry_policy)`,
    [
      event.event_id,
      event.org_id,
      event.event_name,
      deliveries.map((d) => d.deliveryId),
      deliveries.map((d) => d.configId),
      deliveries.map((d) => d.workflowId),
      retriedFrom,
      deliveries.map((d) => (d.retryPolicy ? JSON.stringify(d.retryPolicy) : null)),
    ],
  );
}

export async function markWorkflowsStarted(db: Queryable, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await db.query(
    'UPDATE deliveries SET workflow_started_at = now() WHERE delivery_id = ANY($1::uuid[]) AND workflow_started_at IS NULL',
    [deliveryIds],
  );
}

export async function listDeliveriesOfEvent(db: Queryable, eventId: string): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE event_id = $1 ORDER BY config_id, created_at', [eventId]);
  return rows;
}

export async function getDelivery(db: Queryable, orgId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  const { rows } = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE org_id = $1 AND delivery_id = $2', [orgId, deliveryId]);
  return rows[0];
}

/** Newest first, keyset-paginated on (created_at, delivery_id). */
export async function listDeliveries(db: Queryable, orgId: string, filter: DeliveryFilter, cursor: Cursor | null, limit: number) {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM deliveries
     WHERE org_id = $1
       AND ($2::text IS NULL OR status = $2)
       AND ($3::text IS NULL OR config_id = $3)
       AND ($4::text IS NULL OR event_name = $4)
       AND ($5::timestamptz IS NULL OR (created_at, delivery_id) < ($5, $6::uuid))
     ORDER BY created_at DESC, delivery_id DESC
     LIMIT $7`,
    [orgId, filter.status ?? null, filter.configId ?? null, filter.eventName ?? null, cursor?.createdAt ?? null, cursor?.id ?? null, limit + 1],
  );
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? { createdAt: last.created_at, id: last.delivery_id } : null };
}

/** The delivery, its event and its config; `windowStartedAt` counts the attempts of the current window. */
export async function loadDeliveryContext(db: Queryable, deliveryId: string, windowStartedAt: Date): Promise<DeliveryContext | undefined> {
  const { rows } = await db.query<DeliveryContext>(
    `SELECT d.delivery_id, d.status, d.attempt_count, d.last_status_code, d.org_id, d.config_id, d.event_name, d.event_id,
            (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = $1 AND a.started_at >= $2)::integer AS window_attempts,
            e.created_at AS event_created_at, e.data, e.envelope,
            c.url, c.enabled, c.disabled_reason, c.headers, c.timeout_ms,
            c.secret, c.previous_secret, c.previous_secret_expires_at, c.auth, c.transform
     FROM deliveries d
     JOIN events e ON e.event_id = d.event_id
     LEFT JOIN webhook_configs c ON c.org_id = d.org_id AND c.config_id = d.config_id
     WHERE d.delivery_id = $1`,
    [deliveryId, windowStartedAt],
  );
  return rows[0];
}

/** Deliveries committed but never started (Temporal was down, or the API died after commit). */
export async function listUnstartedDeliveries(db: Queryable, olderThanMs: number, limit: number): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM deliveries
     WHERE workflow_started_at IS NULL AND NOT test AND created_at < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY created_at LIMIT $2`,
    [olderThanMs, limit],
  );
  return rows;
}

/**
 * Deliveries in flight (pending or retrying) whose workflow started, and was last asked about (or
 * started) more than `checkEveryMs` ago: the reconciler asks Temporal whether their workflow still runs.
 * Cost: one walk of the partial index deliveries_in_flight_check_idx, which holds only the rows in
 * flight, in check order, stopping at `limit`; each returned row costs one describe call to Temporal,
 * so one run costs at most `limit` calls and each delivery in flight is described at most once per
 * `checkEveryMs`.
 */
export async function listDeliveriesToCheck(db: Queryable, checkEveryMs: number, limit: number): Promise<DeliveryRow[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT * FROM deliveries
     WHERE status IN ('pending', 'retrying') AND workflow_started_at IS NOT NULL
       AND coalesce(workflow_checked_at, workflow_started_at) < now() - make_interval(secs => $1::double precision / 1000)
     ORDER BY coalesce(workflow_checked_at, workflow_started_at)
     LIMIT $2`,
    [checkEveryMs, limit],
  );
  return rows;
}

export async function markWorkflowsChecked(db: Queryable, deliveryIds: readonly string[]): Promise<void> {
  if (deliveryIds.length === 0) return;
  await db.query('UPDATE deliveries SET workflow_checked_at = now() WHERE delivery_id = ANY($1::uuid[])', [deliveryIds]);
}

export async function setDeliveryStatus(db: Queryable, deliveryId: string, status: DeliveryStatus): Promise<void> {
  await db.query(
    `UPDATE deliveries SET status = $2, next_attempt_at = NULL, updated_at = now()
     WHERE delivery_id = $1 AND status <> 'delivered'`,
    [deliveryId, status],
  );
}
