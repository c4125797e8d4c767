import { DEFAULT_JWT_TTL_SECONDS } from '../activities/jwt-auth';
import type { Config } from '../config';
import type { WebhookConfigRow } from '../db/configs';
import type { DeadLetterRow } from '../db/dead-letters';
import type { AttemptRow, DeliveryRow, EventRow } from '../db/deliveries';
import type { EventTypeRow } from '../db/event-types';
import type { InboundSourceRow } from '../db/inbound-sources';
import type { ReceiverAuth } from './validation';

/** JSON shapes of the REST API, built from rows. */
const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function eventTypeView(row: EventTypeRow) {
  return {
    eventName: row.name,
    description: row.description,
    schema: row.schema,
    eventBus: row.event_bus,
    eventSource: row.event_source,
    eventDetailType: row.event_detail_type,
    orgIdPath: row.org_id_path,
    maxPayloadBytes: row.max_payload_bytes,
    archived: row.archived_at !== null,
    archivedAt: iso(row.archived_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function circuitState(openUntil: Date | null): 'closed' | 'open' | 'half_open' {
  if (!openUntil) return 'closed';
  return openUntil.getTime() > Date.now() ? 'open' : 'half_open';
}

/** Receiver auth without its credentials: enough to see how the receiver is authenticated. */
export function authView(auth: ReceiverAuth | null) {
  if (!auth) return null;
  switch (auth.type) {
    case 'basic':
      return { type: auth.type, username: auth.username };
    case 'bearer':
      return { type: auth.type };
    case 'apiKey':
      return { type: auth.type, header: auth.header };
    case 'oauth2':
      return { type: auth.type, tokenUrl: auth.tokenUrl, clientId: auth.clientId, scope: auth.scope ?? null };
    case 'jwt':
      return { type: auth.type, algorithm: auth.algorithm, issuer: auth.issuer ?? null, audience: auth.audience ?? null, ttlSeconds: auth.ttlSeconds ?? DEFAULT_JWT_TTL_SECONDS };
  }
}

/** `secret` is the decrypted signing secret, shown only when the config is created. */
export function configView(row: WebhookConfigRow, options: { auth: ReceiverAuth | null; secret?: string }) {
  return {
    orgId: row.org_id,
    configId: row.config_id,
    url: row.url,
    eventNames: row.event_names,
    enabled: row.enabled,
    description: row.description,
    headers: row.headers,
    auth: authView(options.auth),
    filter: row.filter,
    transform: row.transform,
    retry: row.retry_policy,
    timeoutMs: row.timeout_ms,
    maxConcurrency: row.max_concurrency,
    maxPerSecond: row.max_per_second,
    disabledReason: row.disabled_reason,
    disabledAt: iso(row.disabled_at),
    health: {
      consecutiveFailures: row.consecutive_failures,
      consecutiveDeadLetters: row.consecutive_dead_letters,
      failingSince: iso(row.failing_since),
      lastSuccessAt: iso(row.last_success_at),
      lastFailureAt: iso(row.last_failure_at),
      circuit: circuitState(row.circuit_open_until),
      circuitOpenUntil: iso(row.circuit_open_until),
    },
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
  };
}

export function temporalUiUrl(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>, workflowId: string): string {
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

export function deliverySummaryView(row: DeliveryRow, config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>) {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    configId: row.config_id,
    eventName: row.event_name,
    status: row.status,
    attemptCount: row.attempt_count,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: iso(row.next_attempt_at),
    deliveredAt: iso(row.delivered_at),
    retriedFrom: row.retried_from,
    test: row.test,
    workflowId: row.workflow_id,
    temporalUiUrl: row.workflow_id === null ? null : temporalUiUrl(config, row.workflow_id),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

export function deliveryView(row: DeliveryRow, attempts: AttemptRow[], config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>) {
  return {
    ...deliverySummaryView(row, config),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: iso(a.started_at),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error_class,
      errorMessage: a.error,
      responseBody: a.response_body,
    })),
  };
}

export function eventView(row: EventRow, deliveries: DeliveryRow[], config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>) {
  return {
    eventId: row.event_id,
    orgId: row.org_id,
    eventName: row.event_name,
    data: row.data,
    envelope: row.envelope,
    createdAt: iso(row.created_at),
    deliveries: deliveries.map((d) => deliverySummaryView(d, config)),
    filteredConfigs: row.filtered_configs,
  };
}

export function deadLetterView(row: DeadLetterRow, config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>) {
  return {
    deliveryId: row.delivery_id,
    eventId: row.event_id,
    orgId: row.org_id,
    configId: row.config_id,
    eventName: row.event_name,
    reason: row.reason,
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    attemptCount: row.attempt_count,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    workflowId: row.workflow_id,
    temporalUiUrl: temporalUiUrl(config, row.workflow_id),
  };
}

/** An inbound source without its secrets. */
export function inboundSourceView(row: InboundSourceRow) {
  const previousLive = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > new Date();
  return {
    sourceId: row.source_id,
    provider: row.provider,
    orgId: row.org_id,
    eventNamePrefix: row.event_name_prefix,
    url: row.public_url,
    receivePath: `/inbound/${encodeURIComponent(row.source_id)}`,
    previousSecretExpiresAt: previousLive ? iso(row.previous_secret_expires_at) : null,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
