import type { Transform } from '../delivery/transform';
import type { RetryOverride } from '../shared/retry-policy';
import type { DeliveryStatus } from '../shared/temporal';
import type { Db } from './pool';

/** Bus fields of an event put through PutEvents, delivered beside `data`. */
export interface EventEnvelope {
  source: string;
  detailType: string;
  bus: string;
  time: string;
  resources: string[];
}

/** A config an event was not delivered to, because its filter did not match the event. */
export interface FilteredConfig {
  configId: string;
  reason: string;
}

export interface EventRow {
  event_id: string;
  org_id: string;
  event_name: string;
  data: unknown;
  envelope: EventEnvelope | null;
  filtered_configs: FilteredConfig[];
  created_at: Date;
}

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

export interface AttemptRow {
  attempt: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error_class: string | null;
  error: string | null;
  response_body: string | null;
}

export interface NewDelivery {
  deliveryId: string;
  configId: string;
  workflowId: string;
  retryPolicy?: RetryOverride | null;
}

export interface AttemptRecord {
  deliveryId: string;
  /** One per attempt: keys its lease (freed by the same statement) and makes the write idempotent. */
  attemptToken: string;
  orgId: string;
  configId: string;
  /** Failed attempts in a row that open the config's circuit, and for how long. */
  circuit: { threshold: number; cooldownMs: number };
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  errorClass: string | null;
  error: string | null;
  responseBody: string | null;
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
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

export function createDeliveryQueries(db: Db) {
  return {
    async insertEvent(
      eventId: string,
      orgId: string,
      eventName: string,
      data: unknown,
      extra: { envelope?: EventEnvelope | null; filteredConfigs?: FilteredConfig[] } = {},
    ): Promise<EventRow> {
      const { rows } = await db.query<EventRow>(
        `INSERT INTO events (event_id, org_id, event_name, data, envelope, filtered_configs)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [eventId, orgId, eventName, JSON.stringify(data), extra.envelope ? JSON.stringify(extra.envelope) : null, JSON.stringify(extra.filteredConfigs ?? [])],
      );
      return rows[0];
    },

    /** All deliveries of one event in a single multi-row insert. */
    async insertDeliveries(event: EventRow, deliveries: readonly NewDelivery[], retriedFrom: string | null = null): Promise<void> {
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
    },

    /**
     * Claims an idempotency key for 24 h. Returns the stored answer when the key is already live;
     * a concurrent claim waits on the row lock and then sees the first answer.
     */
    async claimIdempotencyKey(orgId: string, key: string, eventId: string, response: unknown): Promise<unknown | undefined> {
      const claimed = await db.query(
        `INSERT INTO idempotency_keys (org_id, idempotency_key, event_id, response, expires_at)
         VALUES ($1, $2, $3, $4, now() + interval '24 hours')
         ON CONFLICT (org_id, idempotency_key) DO UPDATE
           SET event_id = EXCLUDED.event_id, response = EXCLUDED.response, expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at <= now()`,
        [orgId, key, eventId, JSON.stringify(response)],
      );
      if ((claimed.rowCount ?? 0) > 0) return undefined;
      const { rows } = await db.query<{ response: unknown }>(
        'SELECT response FROM idempotency_keys WHERE org_id = $1 AND idempotency_key = $2',
        [orgId, key],
      );
      return rows[0]?.response;
    },

    async markWorkflowsStarted(deliveryIds: readonly string[]): Promise<void> {
      if (deliveryIds.length === 0) return;
      await db.query(
        'UPDATE deliveries SET workflow_started_at = now() WHERE delivery_id = ANY($1::uuid[]) AND workflow_started_at IS NULL',
        [deliveryIds],
      );
    },

    async getEvent(orgId: string, eventId: string): Promise<EventRow | undefined> {
      const { rows } = await db.query<EventRow>('SELECT * FROM events WHERE org_id = $1 AND event_id = $2', [orgId, eventId]);
      return rows[0];
    },

    async listDeliveriesOfEvent(eventId: string): Promise<DeliveryRow[]> {
      const { rows } = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE event_id = $1 ORDER BY config_id, created_at', [eventId]);
      return rows;
    },

    async getDelivery(orgId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
      const { rows } = await db.query<DeliveryRow>('SELECT * FROM deliveries WHERE org_id = $1 AND delivery_id = $2', [orgId, deliveryId]);
      return rows[0];
    },

    async listAttempts(deliveryId: string): Promise<AttemptRow[]> {
      const { rows } = await db.query<AttemptRow>(
        `SELECT attempt, started_at, duration_ms, status_code, error_class, error, response_body
         FROM delivery_attempts WHERE delivery_id = $1 ORDER BY attempt`,
        [deliveryId],
      );
      return rows;
    },

    /** Newest first, keyset-paginated on (created_at, delivery_id). */
    async listDeliveries(orgId: string, filter: DeliveryFilter, cursor: Cursor | null, limit: number) {
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
    },

    /** The delivery, its event and its config; `windowStartedAt` counts the attempts of the current window. */
    async loadDeliveryContext(deliveryId: string, windowStartedAt: Date): Promise<DeliveryContext | undefined> {
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
    },

    /**
     * One statement: bumps the delivery's attempt counter, updates its status and writes the attempt row.
     * Only a pending or retrying delivery changes status: an answer written after the delivery was
     * delivered, dead-lettered or expired is kept as an attempt and changes nothing else. Written again
     * with the same attempt token (the first write committed, its reply was lost), it changes nothing.
     * Returns the attempt number.
     */
    async recordAttempt(record: AttemptRecord): Promise<number> {
      const { rows } = await db.query<{ attempt: number }>(
        `WITH prior AS (
           SELECT attempt FROM delivery_attempts WHERE delivery_id = $1 AND attempt_token = $14
         ), d AS (
           UPDATE deliveries SET
             attempt_count = attempt_count + 1,
             status = CASE WHEN status IN ('pending', 'retrying') THEN $8 ELSE status END,
             last_status_code = CASE WHEN status IN ('pending', 'retrying') THEN $4 ELSE last_status_code END,
             last_error = CASE WHEN status IN ('pending', 'retrying') THEN $6 ELSE last_error END,
             next_attempt_at = CASE WHEN status IN ('pending', 'retrying') THEN $9 ELSE next_attempt_at END,
             delivered_at = CASE WHEN status IN ('pending', 'retrying') AND $8 = 'delivered' THEN now() ELSE delivered_at END,
             updated_at = now()
           WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM prior)
           RETURNING attempt_count
         ), health AS (
           UPDATE webhook_configs SET
             consecutive_failures = CASE WHEN $8 = 'delivered' THEN 0 ELSE consecutive_failures + 1 END,
             consecutive_dead_letters = CASE WHEN $8 = 'delivered' THEN 0 ELSE consecutive_dead_letters END,
             failing_since = CASE WHEN $8 = 'delivered' THEN NULL ELSE coalesce(failing_since, now()) END,
             last_success_at = CASE WHEN $8 = 'delivered' THEN now() ELSE last_success_at END,
             last_failure_at = CASE WHEN $8 = 'delivered' THEN last_failure_at ELSE now() END,
             circuit_open_until = CASE
               WHEN $8 = 'delivered' THEN NULL
               WHEN consecutive_failures + 1 >= $12 THEN now() + make_interval(secs => $13::double precision / 1000)
               ELSE circuit_open_until END
           WHERE org_id = $10 AND config_id = $11 AND EXISTS (SELECT 1 FROM d)
         ), lease AS (
           DELETE FROM delivery_leases WHERE lease_id = $14
         ), inserted AS (
           INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body, attempt_token)
           SELECT $1, d.attempt_count, $2, $3, $4, $5, $6, $7, $14 FROM d
           RETURNING attempt
         )
         SELECT attempt FROM inserted UNION ALL SELECT attempt FROM prior`,
        [
          record.deliveryId,
          record.startedAt,
          record.durationMs,
          record.statusCode,
          record.errorClass,
          record.error,
          record.responseBody,
          record.status,
          record.nextAttemptAt,
          record.orgId,
          record.configId,
          record.circuit.threshold,
          record.circuit.cooldownMs,
          record.attemptToken,
        ],
      );
      return rows[0]?.attempt ?? 0;
    },

    /** Frees an attempt's concurrency slot when it ends without an HTTP answer to record. */
    async releaseLease(attemptToken: string): Promise<void> {
      await db.query('DELETE FROM delivery_leases WHERE lease_id = $1', [attemptToken]);
    },

    /** Deliveries committed but never started (Temporal was down, or the API died after commit). */
    async listUnstartedDeliveries(olderThanMs: number, limit: number): Promise<DeliveryRow[]> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT * FROM deliveries
         WHERE workflow_started_at IS NULL AND NOT test AND created_at < now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY created_at LIMIT $2`,
        [olderThanMs, limit],
      );
      return rows;
    },

    /**
     * Deliveries in flight (pending or retrying) whose workflow started, and was last asked about (or
     * started) more than `checkEveryMs` ago: the reconciler asks Temporal whether their workflow still runs.
     * Cost: one walk of the partial index deliveries_in_flight_check_idx, which holds only the rows in
     * flight, in check order, stopping at `limit`; each returned row costs one describe call to Temporal,
     * so one run costs at most `limit` calls and each delivery in flight is described at most once per
     * `checkEveryMs`.
     */
    async listDeliveriesToCheck(checkEveryMs: number, limit: number): Promise<DeliveryRow[]> {
      const { rows } = await db.query<DeliveryRow>(
        `SELECT * FROM deliveries
         WHERE status IN ('pending', 'retrying') AND workflow_started_at IS NOT NULL
           AND coalesce(workflow_checked_at, workflow_started_at) < now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY coalesce(workflow_checked_at, workflow_started_at)
         LIMIT $2`,
        [checkEveryMs, limit],
      );
      return rows;
    },

    async markWorkflowsChecked(deliveryIds: readonly string[]): Promise<void> {
      if (deliveryIds.length === 0) return;
      await db.query('UPDATE deliveries SET workflow_checked_at = now() WHERE delivery_id = ANY($1::uuid[])', [deliveryIds]);
    },

    async setDeliveryStatus(deliveryId: string, status: DeliveryStatus): Promise<void> {
      await db.query(
        `UPDATE deliveries SET status = $2, next_attempt_at = NULL, updated_at = now()
         WHERE delivery_id = $1 AND status <> 'delivered'`,
        [deliveryId, status],
      );
    },
  };
}
