/** Request schemas of the configs resource: a config's fields, its receiver auth and retry policy, and a test send. */
import { z } from 'zod';
import { JWT_ALGORITHMS } from '../../core/jwt-auth';
import { isValidSecret } from '../../core/signing';
import { parseDurationMs } from '../../shared/durations';
import { dataSchema, eventNameSchema, eventPatternSchema, idSchema, webhookUrlSchema } from '../common/schema';
import { MAX_CONCURRENCY, MAX_TIMEOUT_MS } from '../../core/limits';
import type { ReceiverAuth } from '../../core/receiver-auth';
import { transformSchema } from '../../delivery/transform';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const RESERVED_HEADER = /^(host|content-length|content-type|webhook-.*)$/i;

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

/** A test send: `webhook.test` unless another registered event type is named; its data, or a sample. */
export const testSendBody = z.strictObject({
  eventName: eventNameSchema.optional(),
  data: dataSchema.optional(),
});

export const configParams = z.object({ orgId: idSchema, configId: idSchema });
