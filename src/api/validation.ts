import { z } from 'zod';
import { isValidSecret } from '../activities/signing';
import { DELIVERY_STATUSES } from '../shared/temporal';
import { validationErrorFromZod } from './errors';

export const ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const EVENT_NAME_PATTERN = /^[a-z0-9_.-]{1,128}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const RESERVED_HEADER = /^(host|content-length|content-type|webhook-.*)$/i;
const MAX_URL_LENGTH = 2048;
/** Longest `timeoutMs` of a config: the budget of one attempt. */
export const MAX_TIMEOUT_MS = 30_000;
/** Largest `maxConcurrency` of a config: the HTTP client keeps this many connections to one origin. */
export const MAX_CONCURRENCY = 1000;

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
]);
export type ReceiverAuth = z.infer<typeof receiverAuthSchema>;

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
  })
  .refine((body) => Object.keys(body).length > 0, 'send at least one field to change');

export const putEventTypeBody = z.strictObject({
  description: z.string().max(1024).optional(),
  schema: z.record(z.string(), z.unknown()).optional(),
});

const dataSchema = z.record(z.string(), z.unknown(), 'must be a JSON object');
const idempotencyKeySchema = z.string().min(1).max(255);

export const publishBody = z.strictObject({
  eventName: eventNameSchema,
  orgId: idSchema,
  data: dataSchema,
  idempotencyKey: idempotencyKeySchema.optional(),
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
