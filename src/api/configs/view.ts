/** Response views of the configs resource: a config without its credentials, and the answer of a test send. */
import { z } from 'zod';
import { DEFAULT_JWT_TTL_SECONDS } from '../../core/jwt-auth';
import type { WebhookConfigRow } from '../../db/configs';
import type { TestSendResult } from '../../delivery/test-send';
import { iso, jsonObject, nullableTimestamp, timestamp, uuid } from '../common/view';
import { attemptSchema } from '../deliveries/view';
import type { ReceiverAuth } from '../../core/receiver-auth';

function circuitState(openUntil: Date | null): 'closed' | 'open' | 'half_open' {
  if (!openUntil) return 'closed';
  return openUntil.getTime() > Date.now() ? 'open' : 'half_open';
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
/** The schema and the test sender's answer describe the same object: the type is `never` if they ever differ. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? A : never) : never;
export type TestSendView = Same<z.infer<typeof testSendSchema>, TestSendResult>;
