import { z } from 'zod';
import { JWT_ALGORITHMS } from '../core/jwt-auth';
import { MAX_CONCURRENCY, MAX_TIMEOUT_MS } from '../core/limits';
import type { ReceiverAuth } from '../core/receiver-auth';
import { isValidSecret } from '../core/signing';
import { type EventPattern, patternIssues } from '../delivery/event-pattern';
import { INBOUND_PROVIDERS } from '../db/inbound-sources';
import { transformSchema } from '../delivery/transform';
import { parseDurationMs } from '../shared/durations';
import type { RetryPolicyInput } from '../shared/retry-policy';
import { DELIVERY_STATUSES } from '../shared/temporal';
import { validationErrorFromZod } from './errors';

export const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const EVENT_NAME_PATTERN = /^[a-z0-9_.-]{1,128}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const RESERVED_HEADER = /^(host|content-length|content-type|webhook-.*)$/i;
const MAX_URL_LENGTH = 2048;

export const idSchema = z.string().regex(ID_PATTERN, 'expected 1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-"');
export const eventNameSchema = z
  .string()
  .regex(EVENT_NAME_PATTERN, 'expected 1-128 characters of lowercase letters, digits, "_", "." or "-"');
const uuidSchema = z.uuid('expected a UUID');

/** Parses one part of a request; failures become a 422 naming `{where}.{field}` (where is omitted for the body). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where?: 'path' | 'query'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFromZod(result.error, where ?? '');
  return result.data;
}

export const webhookUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  }, 'must be an absolute http(s) URL without credentials');

const headerValueSchema = z
  .string()
  .max(4096)
  .refine((value) => !/[\r\n\0]/.test(value), 'header values may not contain CR, LF or NUL');

export const headersSchema = z.record(z.string(), headerValueSchema).superRefine((headers, ctx) => {
  const names = Object.keys(headers);
  if (names.length > 50) ctx.addIssue({ code: 'custom', message: 'at most 50 custom headers', path: [] });
  for (const name of names) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: 'not a valid header name', path: [name] });
    else if (RESERVED_HEADER.test(name)) ctx.addIssue({ code: 'custom', message: `header "${name}" is set by the service and cannot be overridden`, path: [name] });
  }
});

const credential = (max: number) => headerValueSchema.pipe(z.string().min(1).max(max));

/** How the receiver authenticates us (EventBridge "connections"). Every credential is encrypted at rest. */
export const receiverAuthSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('basic'),
    username: credential(256).refine((value) => !value.includes(':'), 'may not contain ":"'),
    password: credential(1024),
  }),
  z.strictObject({ type: z.literal('bearer'), token: credential(4096) }),
  z.strictObject({
    type: z.literal('apiKey'),
    header: z
      .string()
      .regex(HEADER_NAME, 'not a valid header name')
      .refine((name) => !RESERVED_HEADER.test(name), 'this header is set by the service'),
    value: credential(4096),
  }),
  z.strictObject({
    type: z.literal('oauth2'),
    tokenUrl: webhookUrlSchema,
    clientId: credential(1024),
    clientSecret: credential(4096),
    scope: z.string().max(1024).regex(/^[\x21\x23-\x5b\x5d-\x7e ]*$/, 'not a valid OAuth scope').optional(),
  }),
  z.strictObject({
    type: z.literal('jwt'),
    algorithm: z.enum(JWT_ALGORITHMS),
    /** HS256: the shared secret; RS256 and ES256: a PKCS#8 PEM private key (checked when stored). */
    key: z.string().min(1).max(16 * 1024),
    issuer: z.string().min(1).max(1024).optional(),
    audience: z.string().min(1).max(1024).optional(),
    ttlSeconds: z.number().int().min(10).max(86_400).optional(),
  }),
]) satisfies z.ZodType<ReceiverAuth>;

/** An event pattern in EventBridge's dialect; a bad one is named by its path inside the pattern. */
export const eventPatternSchema = z
  .custom<EventPattern>()
  .meta({ type: 'object', description: 'An EventBridge event pattern', example: { data: { order: { total: [{ numeric: ['>', 100] }] } } } })
  .superRefine((pattern, ctx) => {
  for (const issue of patternIssues(pattern)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

const durationField = z
  .union([z.string().max(32), z.number().int().positive()])
  .refine((value) => typeof value === 'number' || (parseDurationMs(value) ?? 0) > 0, 'expected a duration such as 500ms, 10s, 5m or 1h, or milliseconds');

/** A config's own retry policy; each field replaces the service's default, within the operator's bounds. */
export const retryPolicySchema = z.strictObject({
  initialInterval: durationField.optional(),
  backoff: z.number().min(1).max(10).optional(),
  maxInterval: durationField.optional(),
  window: durationField.optional(),
  maxAttempts: z.number().int().min(1).optional(),
});

/** The operator's bounds on a config's retry policy (RETRY_POLICY_* in the configuration). */
export interface RetryPolicyBounds {
  minIntervalMs: number;
  maxWindowMs: number;
  maxAttempts: number;
}

const msOf = (value: string | number): number => (typeof value === 'number' ? value : (parseDurationMs(value) ?? 0));
const describeMs = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Fields of a retry policy outside the operator's bounds, each named `retry.{field}`. */
export function retryPolicyErrors(policy: RetryPolicyInput, bounds: RetryPolicyBounds): { field: string; message: string }[] {
  const errors: { field: string; message: string }[] = [];
  for (const field of ['initialInterval', 'maxInterval', 'window'] as const) {
    const value = policy[field];
    if (value === undefined) continue;
    const ms = msOf(value);
    if (ms < bounds.minIntervalMs) errors.push({ field: `retry.${field}`, message: `must be at least ${describeMs(bounds.minIntervalMs)}` });
    else if (ms > bounds.maxWindowMs) errors.push({ field: `retry.${field}`, message: `must be at most ${describeMs(bounds.maxWindowMs)}` });
  }
  if (policy.maxAttempts !== undefined && policy.maxAttempts > bounds.maxAttempts) {
    errors.push({ field: 'retry.maxAttempts', message: `must be at most ${bounds.maxAttempts}` });
  }
  return errors;
}

const eventNamesSchema = z
  .array(z.union([z.literal('*'), eventNameSchema]))
  .min(1, 'subscribe to at least one event name, or ["*"]')
  .max(200);

const configFields = {
  url: webhookUrlSchema,
  eventNames: eventNamesSchema,
  enabled: z.boolean(),
  description: z.string().max(1024).nullable(),
  headers: headersSchema,
  timeoutMs: z.number().int().min(1000).max(MAX_TIMEOUT_MS),
  maxConcurrency: z.number().int().min(1).max(MAX_CONCURRENCY),
  maxPerSecond: z.number().int().min(1).max(10000).nullable(),
  auth: receiverAuthSchema.nullable(),
  filter: eventPatternSchema.nullable(),
  transform: transformSchema.nullable(),
  retry: retryPolicySchema.nullable(),
};

export const putConfigBody = z.strictObject({
  ...configFields,
  enabled: configFields.enabled.default(true),
  description: configFields.description.optional(),
  headers: configFields.headers.optional(),
  timeoutMs: configFields.timeoutMs.default(15000),
  maxConcurrency: configFields.maxConcurrency.default(10),
  maxPerSecond: configFields.maxPerSecond.default(null),
  auth: configFields.auth.default(null),
  filter: configFields.filter.default(null),
  transform: configFields.transform.default(null),
  retry: configFields.retry.default(null),
  secret: z.string().refine(isValidSecret, 'must be "whsec_" followed by base64 of 24 to 64 bytes').optional(),
});

export const patchConfigBody = z
  .strictObject({
    url: configFields.url.optional(),
    eventNames: configFields.eventNames.optional(),
    enabled: configFields.enabled.optional(),
    description: configFields.description.optional(),
    headers: configFields.headers.optional(),
    timeoutMs: configFields.timeoutMs.optional(),
    maxConcurrency: configFields.maxConcurrency.optional(),
    maxPerSecond: configFields.maxPerSecond.optional(),
    auth: configFields.auth.optional(),
    filter: configFields.filter.optional(),
    transform: configFields.transform.optional(),
    retry: configFields.retry.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

/** An event as `POST /transforms/test` takes it; what is left out is filled in as a publish would. */
export const transformTestBody = z.strictObject({
  transform: transformSchema,
  event: z.strictObject({
    type: eventNameSchema,
    data: z.record(z.string(), z.unknown(), 'must be a JSON object'),
    eventId: z.string().max(128).optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    orgId: idSchema.optional(),
  }),
});

/** An inbound source: a provider's webhooks to `POST /inbound/{sourceId}` become events of the org. */
export const putInboundBody = z.strictObject({
  provider: z.enum(INBOUND_PROVIDERS),
  secret: z.string().min(1).max(4096),
  orgId: idSchema,
  eventNamePrefix: eventNameSchema.pipe(z.string().max(64, 'at most 64 characters')),
  /** The URL the provider calls, when a proxy stands between it and this service (Twilio signs the URL). */
  url: webhookUrlSchema.optional(),
});
export const inboundParams = z.object({ sourceId: idSchema });

/** EventBridge's own rules for bus names, sources and detail types. */
export const eventBusNameSchema = z.string().regex(/^[/.\-_A-Za-z0-9]{1,256}$/, 'expected 1-256 characters of A-Z, a-z, 0-9, "/", ".", "-" or "_"');
export const eventSourceSchema = z.string().min(1).max(256);
export const eventDetailTypeSchema = z.string().min(1).max(128);
/** A dotted path into an object, e.g. `orgId` or `account.org.id`. */
export const ORG_ID_PATH_PATTERN = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,15}$/;

export const putEventTypeBody = z
  .strictObject({
    description: z.string().max(1024).optional(),
    schema: z.record(z.string(), z.unknown()).optional(),
    eventBus: eventBusNameSchema.optional(),
    eventSource: eventSourceSchema.optional(),
    eventDetailType: eventDetailTypeSchema.optional(),
    orgIdPath: z.string().regex(ORG_ID_PATH_PATTERN, 'expected a dotted path of at most 16 names, e.g. "orgId" or "account.orgId"').default('orgId'),
    maxPayloadBytes: z.number().int().min(1).optional(),
  })
  .superRefine((body, ctx) => {
    const given = (['eventBus', 'eventSource', 'eventDetailType'] as const).filter((key) => body[key] !== undefined);
    if (given.length > 0 && given.length < 3) {
      for (const key of (['eventBus', 'eventSource', 'eventDetailType'] as const).filter((k) => body[k] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [key], message: 'eventBus, eventSource and eventDetailType go together: give all three or none' });
      }
    }
  });

const dataSchema = z.record(z.string(), z.unknown(), 'must be a JSON object');
const idempotencyKeySchema = z.string().min(1).max(255);

export const publishBody = z.strictObject({
  eventName: eventNameSchema,
  orgId: idSchema,
  data: dataSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
});

export const filterTestBody = z.strictObject({
  filter: eventPatternSchema,
  event: z.record(z.string(), z.unknown(), 'must be a JSON object'),
});

export const orgPublishBody = publishBody.omit({ orgId: true });

/** A test send: `webhook.test` unless another registered event type is named; its data, or a sample. */
export const testSendBody = z.strictObject({
  eventName: eventNameSchema.optional(),
  data: dataSchema.optional(),
});

export const orgParams = z.object({ orgId: idSchema });
export const configParams = z.object({ orgId: idSchema, configId: idSchema });
export const eventTypeParams = z.object({ eventName: eventNameSchema });
export const eventParams = z.object({ orgId: idSchema, eventId: uuidSchema });
export const deliveryParams = z.object({ orgId: idSchema, deliveryId: uuidSchema });

const limitSchema = z.coerce.number().int().min(1).max(250).default(50);

export const listQuery = z.object({ cursor: z.string().max(512).optional(), limit: limitSchema });

export const deliveriesQuery = z.object({
  status: z.enum(DELIVERY_STATUSES).optional(),
  configId: idSchema.optional(),
  eventName: eventNameSchema.optional(),
  cursor: z.string().max(512).optional(),
  limit: limitSchema,
});

export const deadLetterFilter = z.strictObject({
  configId: idSchema.optional(),
  eventName: eventNameSchema.optional(),
  since: z.iso.datetime({ offset: true }).transform((value) => new Date(value)).optional(),
});

export const deadLettersQuery = z.object({ ...deadLetterFilter.shape, limit: limitSchema });

export const includeArchivedQuery = z.object({ includeArchived: z.enum(['true', 'false']).optional() });

export const idempotencyHeader = idempotencyKeySchema.optional();
