import { DEFAULT_JWT_TTL_SECONDS } from '../activities/jwt-auth';
import type { Config } from '../config';
import { circuitState } from '../core/endpoint-health';
import type { AttemptRow } from '../db/attempts';
import type { WebhookConfigRow } from '../db/configs';
import type { DeadLetterRow } from '../db/dead-letters';
import type { DeliveryRow } from '../db/deliveries';
import type { EventTypeRow } from '../db/event-types';
import type { EventRow } from '../db/events';
import { INBOUND_PROVIDERS, type InboundSourceRow } from '../db/inbound-sources';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../shared/temporal';
import type { ReceiverAuth } from './validation';

/**
 * JSON shapes of the REST API, built from rows. Each view has a zod schema: the OpenAPI document is
 * generated from them (src/api/openapi.ts), and each view is typed by its schema so the two cannot differ.
 * Response objects are strict: a field added to a view and not to its schema fails the API tests.
 */
const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

const timestamp = z.iso.datetime().meta({ example: '2026-11-25T10:00:00.000Z' });
const nullableTimestamp = timestamp.nullable();
const uuid = z.uuid().meta({ example: '0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' });
const jsonObject = z.record(z.string(), z.unknown());

export const eventTypeSchema = z.strictObject({
  eventName: z.string().meta({ example: 'order.created' }),
  description: z.string().nullable().meta({ example: 'An order was placed' }),
  schema: jsonObject.nullable().meta({ description: 'JSON Schema that published data must satisfy', example: { type: 'object', required: ['orderId'] } }),
  eventBus: z.string().nullable().meta({ description: 'EventBridge bus of POST /aws/events entries mapped to this type', example: null }),
  eventSource: z.string().nullable().meta({ example: null }),
  eventDetailType: z.string().nullable().meta({ example: null }),
  orgIdPath: z.string().meta({ description: 'Path into an entry\'s Detail that names the org', example: 'orgId' }),
  maxPayloadBytes: z.number().int().nullable().meta({ description: 'Largest data accepted for this type; MAX_PAYLOAD_BYTES when null', example: null }),
  archived: z.boolean(),
  archivedAt: nullableTimestamp,
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'EventType' });
export type EventTypeView = z.infer<typeof eventTypeSchema>;

export function eventTypeView(row: EventTypeRow): EventTypeView {
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
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export const authViewSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('basic'), username: z.string() }),
    z.strictObject({ type: z.literal('bearer') }),
    z.strictObject({ type: z.literal('apiKey'), header: z.string() }),
    z.strictObject({ type: z.literal('oauth2'), tokenUrl: z.string(), clientId: z.string(), scope: z.string().nullable() }),
    z.strictObject({
      type: z.literal('jwt'),
      algorithm: z.enum(['HS256', 'RS256', 'ES256']),
      issuer: z.string().nullable(),
      audience: z.string().nullable(),
      ttlSeconds: z.number().int(),
    }),
  ])
  .nullable()
  .meta({ id: 'ReceiverAuthView', description: 'How the receiver authenticates the service, without its credentials', example: { type: 'bearer' } });

/** Receiver auth without its credentials: enough to see how the receiver is authenticated. */
export function authView(auth: ReceiverAuth | null): z.infer<typeof authViewSchema> {
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

export const configSchema = z.strictObject({
  orgId: z.string().meta({ example: 'acme' }),
  configId: z.string().meta({ example: 'orders' }),
  url: z.string().meta({ example: 'https://example.com/hooks' }),
  eventNames: z.array(z.string()).meta({ example: ['order.created'] }),
  enabled: z.boolean(),
  description: z.string().nullable().meta({ example: 'Order events for the payments team' }),
  headers: z.record(z.string(), z.string()).meta({ example: { 'X-Team': 'payments' } }),
  auth: authViewSchema,
  filter: jsonObject.nullable().meta({ description: 'Event pattern (EventBridge dialect); null delivers every subscribed event', example: null }),
  transform: z
    .union([z.string(), z.strictObject({ preset: z.enum(['slack', 'teams']) })])
    .nullable()
    .meta({ description: 'Payload template: a JSONata expression or a preset; null sends the event as it is', example: null }),
  retry: z
    .strictObject({
      initialInterval: z.union([z.string(), z.number()]).optional(),
      backoff: z.number().optional(),
      maxInterval: z.union([z.string(), z.number()]).optional(),
      window: z.union([z.string(), z.number()]).optional(),
      maxAttempts: z.number().int().optional(),
    })
    .nullable()
    .meta({ description: 'The config\'s own retry policy; null uses the service\'s', example: null }),
  timeoutMs: z.number().int().meta({ example: 15000 }),
  maxConcurrency: z.number().int().meta({ example: 10 }),
  maxPerSecond: z.number().int().nullable().meta({ example: null }),
  disabledReason: z.string().nullable().meta({ example: null }),
  disabledAt: nullableTimestamp,
  health: z.strictObject({
    consecutiveFailures: z.number().int(),
    consecutiveDeadLetters: z.number().int(),
    failingSince: nullableTimestamp,
    lastSuccessAt: nullableTimestamp,
    lastFailureAt: nullableTimestamp,
    circuit: z.enum(['closed', 'open', 'half_open']),
    circuitOpenUntil: nullableTimestamp,
  }),
  createdAt: timestamp,
  updatedAt: timestamp,
  secret: z.string().optional().meta({ description: 'The signing secret, shown only in the answer that created the config', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
}).meta({ id: 'Config' });
export type ConfigView = z.infer<typeof configSchema>;

/** `secret` is the decrypted signing secret, shown only when the config is created. */
export function configView(row: WebhookConfigRow, options: { auth: ReceiverAuth | null; secret?: string }): ConfigView {
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
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    ...(options.secret !== undefined ? { secret: options.secret } : {}),
  };
}

export function temporalUiUrl(config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>, workflowId: string): string {
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}

export const deliverySummarySchema = z.strictObject({
  deliveryId: uuid,
  eventId: uuid,
  configId: z.string().meta({ example: 'orders' }),
  eventName: z.string().meta({ example: 'order.created' }),
  status: z.enum(DELIVERY_STATUSES),
  attemptCount: z.number().int().meta({ example: 1 }),
  lastStatusCode: z.number().int().nullable().meta({ example: 200 }),
  lastError: z.string().nullable().meta({ example: null }),
  nextAttemptAt: nullableTimestamp,
  deliveredAt: nullableTimestamp,
  retriedFrom: uuid.nullable().meta({ description: 'The delivery this one redelivers', example: null }),
  test: z.boolean().meta({ description: 'A test send: one attempt, no workflow, never retried', example: false }),
  workflowId: z.string().nullable().meta({ description: 'Null for a test send', example: 'delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  temporalUiUrl: z.string().nullable().meta({ example: 'http://localhost:8233/namespaces/default/workflows/delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'DeliverySummary' });

export const attemptSchema = z.strictObject({
  attempt: z.number().int().meta({ example: 1 }),
  startedAt: timestamp,
  durationMs: z.number().meta({ example: 42 }),
  statusCode: z.number().int().nullable().meta({ example: 200 }),
  error: z.string().nullable().meta({ description: 'Error class: timeout, dns, connection_refused, tls, http_status, network, destination_blocked, auth_token', example: null }),
  errorMessage: z.string().nullable().meta({ example: null }),
  responseBody: z.string().nullable().meta({ description: 'The first 4 KiB of the answer', example: 'ok' }),
}).meta({ id: 'Attempt' });

export const deliverySchema = deliverySummarySchema.extend({ attempts: z.array(attemptSchema) }).meta({ id: 'Delivery' });

export function deliverySummaryView(row: DeliveryRow, config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): z.infer<typeof deliverySummarySchema> {
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
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function deliveryView(row: DeliveryRow, attempts: AttemptRow[], config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): z.infer<typeof deliverySchema> {
  return {
    ...deliverySummaryView(row, config),
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      startedAt: a.started_at.toISOString(),
      durationMs: a.duration_ms,
      statusCode: a.status_code,
      error: a.error_class,
      errorMessage: a.error,
      responseBody: a.response_body,
    })),
  };
}

export const eventSchema = z.strictObject({
  eventId: uuid,
  orgId: z.string().meta({ example: 'acme' }),
  eventName: z.string().meta({ example: 'order.created' }),
  data: jsonObject.meta({ example: { orderId: 'o-1' } }),
  envelope: z
    .strictObject({ source: z.string(), detailType: z.string(), bus: z.string(), time: z.string(), resources: z.array(z.string()) })
    .nullable()
    .meta({ description: 'The bus fields of an event put through POST /aws/events', example: null }),
  createdAt: timestamp,
  deliveries: z.array(deliverySummarySchema),
  filteredConfigs: z
    .array(z.strictObject({ configId: z.string(), reason: z.string() }))
    .meta({ description: 'Configs subscribed to the event that its filter skipped, with the first field that did not match', example: [] }),
}).meta({ id: 'Event' });

export function eventView(row: EventRow, deliveries: DeliveryRow[], config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): z.infer<typeof eventSchema> {
  return {
    eventId: row.event_id,
    orgId: row.org_id,
    eventName: row.event_name,
    data: row.data as Record<string, unknown>,
    envelope: row.envelope,
    createdAt: row.created_at.toISOString(),
    deliveries: deliveries.map((d) => deliverySummaryView(d, config)),
    filteredConfigs: row.filtered_configs,
  };
}

export const deadLetterSchema = z.strictObject({
  deliveryId: uuid,
  eventId: uuid,
  orgId: z.string().meta({ example: 'acme' }),
  configId: z.string().meta({ example: 'orders' }),
  eventName: z.string().meta({ example: 'order.created' }),
  reason: z.string().meta({ example: 'retry window of 24h ended' }),
  lastStatusCode: z.number().int().nullable().meta({ example: 503 }),
  lastError: z.string().nullable().meta({ example: 'HTTP 503' }),
  attemptCount: z.number().int().meta({ example: 18 }),
  createdAt: timestamp,
  expiresAt: timestamp,
  workflowId: z.string().meta({ example: 'delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
  temporalUiUrl: z.string().meta({ example: 'http://localhost:8233/namespaces/default/workflows/delivery-0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' }),
}).meta({ id: 'DeadLetter' });

export function deadLetterView(row: DeadLetterRow, config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>): z.infer<typeof deadLetterSchema> {
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
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    workflowId: row.workflow_id,
    temporalUiUrl: temporalUiUrl(config, row.workflow_id),
  };
}

export const inboundSourceSchema = z.strictObject({
  sourceId: z.string().meta({ example: 'gh-acme' }),
  provider: z.enum(INBOUND_PROVIDERS).meta({ example: 'github' }),
  orgId: z.string().meta({ example: 'acme' }),
  eventNamePrefix: z.string().meta({ description: 'Events are published as `{eventNamePrefix}.{provider event}`', example: 'github' }),
  url: z.string().nullable().meta({ description: 'The URL the provider calls, when a proxy stands in between; null when it is this service\'s own', example: null }),
  receivePath: z.string().meta({ description: 'Where the provider sends its webhooks: `POST {receivePath}`', example: '/inbound/gh-acme' }),
  previousSecretExpiresAt: nullableTimestamp.meta({ description: 'Until when the rotated-out secret still verifies; null when none does', example: null }),
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'InboundSource', description: 'An inbound source, without its secrets' });
export type InboundSourceView = z.infer<typeof inboundSourceSchema>;

/** An inbound source without its secrets. */
export function inboundSourceView(row: InboundSourceRow): InboundSourceView {
  const previousLive = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > new Date();
  return {
    sourceId: row.source_id,
    provider: row.provider,
    orgId: row.org_id,
    eventNamePrefix: row.event_name_prefix,
    url: row.public_url,
    receivePath: `/inbound/${encodeURIComponent(row.source_id)}`,
    previousSecretExpiresAt: previousLive ? iso(row.previous_secret_expires_at) : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The answer of a test send: its one attempt, made at once (src/delivery/test-send.ts). */
export const testSendSchema = z.strictObject({
  deliveryId: uuid,
  eventId: uuid.meta({ example: '7c1e2f3a-9b8d-4e6f-a1b2-c3d4e5f6a7b8' }),
  eventName: z.string().meta({ example: 'webhook.test' }),
  configId: z.string().meta({ example: 'orders' }),
  test: z.literal(true),
  status: z.enum(['delivered', 'failed']).meta({ description: 'Whether the receiver answered 2xx; a test send is never retried', example: 'delivered' }),
  attempt: attemptSchema,
}).meta({ id: 'TestSend' });
export type TestSendView = z.infer<typeof testSendSchema>;
