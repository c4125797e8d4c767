import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../shared/temporal';
import { VERSION } from '../version';
import { apiKeyParams, apiKeySchema, createApiKeyBody, createdApiKeySchema } from './routes/api-keys';
import {
  configParams,
  deadLetterFilter,
  deadLettersQuery,
  deliveriesQuery,
  deliveryParams,
  eventParams,
  eventTypeParams,
  includeArchivedQuery,
  listQuery,
  orgParams,
  orgPublishBody,
  patchConfigBody,
  publishBody,
  putConfigBody,
  putEventTypeBody,
} from './validation';
import { configSchema, deadLetterSchema, deliverySchema, deliverySummarySchema, eventSchema, eventTypeSchema } from './views';

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas that validate requests
 * (src/api/validation.ts) and shape answers (src/api/views.ts). Served at `GET /openapi.json`, rendered at
 * `GET /docs`, committed as docs/openapi.json (`npm run docs:openapi`) and the source of the typed client.
 */

const PARAM_EXAMPLES: Record<string, string> = {
  orgId: 'acme',
  configId: 'orders',
  eventName: 'order.created',
  eventId: '7c1e2f3a-9b8d-4e6f-a1b2-c3d4e5f6a7b8',
  deliveryId: '0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10',
  keyId: '5d0c7f0e-3b1a-4c55-8f8e-2a9d6b1c4e77',
};

/** The request's own parameter schema, each field given an example (the validation is unchanged). */
function withExamples<T extends z.ZodObject>(schema: T, examples: Record<string, unknown> = PARAM_EXAMPLES): z.ZodObject {
  const shape = Object.fromEntries(
    Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => [name, field.meta({ example: examples[name] })]),
  );
  return schema.extend(shape);
}

const QUERY_EXAMPLES: Record<string, unknown> = {
  cursor: 'WyIyMDI2LTExLTI1VDEwOjAwOjAwLjAwMFoiLCIwYjlmM2MxZSJd',
  limit: 50,
  status: 'dead_lettered',
  configId: 'orders',
  eventName: 'order.created',
  since: '2026-11-25T00:00:00Z',
  includeArchived: 'false',
};

const problemSchema = z
  .object({
    type: z.string().meta({ example: 'urn:temporal-webhooks:problem:validation' }),
    title: z.string().meta({ example: 'Validation failed' }),
    status: z.number().int().meta({ example: 422 }),
    detail: z.string().meta({ example: 'url: must be an absolute http(s) URL without credentials' }),
    instance: z.string().optional().meta({ example: '/webhooks/acme/configs/orders' }),
    requestId: z.string().optional().meta({ example: '3b8e8f0a-1f2c-4b7d-9e6a-5c4d3b2a1f0e' }),
    field: z.string().optional().meta({ description: 'The request field that failed', example: 'url' }),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ example: [{ field: 'url', message: 'must be an absolute http(s) URL without credentials' }] }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details; extension members may follow' });

const PROBLEMS: Record<number, { description: string; slug: string; title: string; detail: string; extra?: Record<string, unknown> }> = {
  400: { description: 'The body is not JSON', slug: 'bad-request', title: 'Bad request', detail: 'request body is not valid JSON', extra: { field: '(body)' } },
  401: { description: 'No valid API key', slug: 'unauthorized', title: 'Unauthorized', detail: 'send an API key as `Authorization: Bearer <key>`', extra: { field: 'authorization' } },
  403: {
    description: 'The key lacks the scope',
    slug: 'forbidden',
    title: 'Forbidden',
    detail: 'this API key lacks the scope this request needs (admin)',
    extra: { field: 'authorization' },
  },
  404: { description: 'Not found, or another org’s', slug: 'not-found', title: 'Not found', detail: 'config orders not found' },
  409: {
    description: 'The delivery’s config is disabled or deleted',
    slug: 'config-disabled',
    title: 'Config disabled',
    detail: 'config orders is disabled (disabled by user); enable it before retrying',
    extra: { field: 'configId', configId: 'orders', disabledReason: 'disabled by user' },
  },
  413: { description: 'The body exceeds MAX_PAYLOAD_BYTES', slug: 'payload-too-large', title: 'Payload too large', detail: 'request body exceeds 262144 bytes', extra: { field: '(body)' } },
  415: { description: 'Unsupported body encoding', slug: 'unsupported-media-type', title: 'Unsupported media type', detail: 'unsupported body encoding', extra: { field: '(body)' } },
  422: {
    description: 'A field failed validation; `field` names it',
    slug: 'validation',
    title: 'Validation failed',
    detail: 'url: must be an absolute http(s) URL without credentials',
    extra: { field: 'url', errors: [{ field: 'url', message: 'must be an absolute http(s) URL without credentials' }] },
  },
  429: {
    description: 'The key’s rate limit is reached; see Retry-After',
    slug: 'rate-limited',
    title: 'Too many requests',
    detail: 'rate limit of this API key reached; retry in 12 s',
    extra: { field: 'authorization' },
  },
  500: { description: 'Unexpected error; quote the request id', slug: 'internal', title: 'Internal server error', detail: 'an unexpected error occurred; quote the request id when reporting it' },
  503: {
    description: 'Postgres or Temporal is unreachable; see Retry-After',
    slug: 'dependency-unavailable',
    title: 'Service unavailable',
    detail: 'postgres is unavailable; try again later',
    extra: { dependency: 'postgres' },
  },
};

/** Every answer carries one; a 500 says nothing else, and the log line with this id has the details. */
const REQUEST_ID_HEADER = {
  'x-request-id': { description: 'The id of this request in the logs: the caller’s own `x-request-id` when valid, else a new UUID', schema: { type: 'string' as const }, example: '3b8e8f0a-1f2c-4b7d-9e6a-5c4d3b2a1f0e' },
};

const RETRY_AFTER = { 'retry-after': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const }, example: 5 } };

function problemResponse(status: number, path: string) {
  const problem = PROBLEMS[status];
  return {
    description: problem.description,
    ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
    content: {
      'application/problem+json': {
        schema: problemSchema,
        example: {
          type: `urn:temporal-webhooks:problem:${problem.slug}`,
          title: problem.title,
          status,
          detail: problem.detail,
          instance: path.replace(/\{(\w+)\}/g, (_, name: string) => PARAM_EXAMPLES[name] ?? name),
          requestId: '3b8e8f0a-1f2c-4b7d-9e6a-5c4d3b2a1f0e',
          ...problem.extra,
        },
      },
    },
  };
}

const json = (schema: z.ZodType, example: unknown, description: string) => ({ description, content: { 'application/json': { schema, example } } });

const EXAMPLE = {
  eventType: {
    eventName: 'order.created',
    description: 'An order was placed',
    schema: { type: 'object', required: ['orderId'] },
    archived: false,
    archivedAt: null,
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  },
  config: {
    orgId: 'acme',
    configId: 'orders',
    url: 'https://example.com/hooks',
    eventNames: ['order.created'],
    enabled: true,
    description: null,
    headers: { 'X-Team': 'payments' },
    auth: null,
    timeoutMs: 15000,
    maxConcurrency: 10,
    maxPerSecond: null,
    disabledReason: null,
    disabledAt: null,
    health: {
      consecutiveFailures: 0,
      consecutiveDeadLetters: 0,
      failingSince: null,
      lastSuccessAt: '2026-11-25T10:00:01.000Z',
      lastFailureAt: null,
      circuit: 'closed',
      circuitOpenUntil: null,
    },
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  },
  delivery: {
    deliveryId: PARAM_EXAMPLES.deliveryId,
    eventId: PARAM_EXAMPLES.eventId,
    configId: 'orders',
    eventName: 'order.created',
    status: 'delivered',
    attemptCount: 1,
    lastStatusCode: 200,
    lastError: null,
    nextAttemptAt: null,
    deliveredAt: '2026-11-25T10:00:00.120Z',
    retriedFrom: null,
    workflowId: `delivery-${PARAM_EXAMPLES.deliveryId}`,
    temporalUiUrl: `http://localhost:8233/namespaces/default/workflows/delivery-${PARAM_EXAMPLES.deliveryId}`,
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.120Z',
  },
  attempt: { attempt: 1, startedAt: '2026-11-25T10:00:00.050Z', durationMs: 42, statusCode: 200, error: null, errorMessage: null, responseBody: 'ok' },
  deadLetter: {
    deliveryId: PARAM_EXAMPLES.deliveryId,
    eventId: PARAM_EXAMPLES.eventId,
    orgId: 'acme',
    configId: 'orders',
    eventName: 'order.created',
    reason: 'retry window of 24h ended',
    lastStatusCode: 503,
    lastError: 'HTTP 503',
    attemptCount: 18,
    createdAt: '2026-11-26T10:00:00.000Z',
    expiresAt: '2026-12-10T10:00:00.000Z',
    workflowId: `delivery-${PARAM_EXAMPLES.deliveryId}`,
    temporalUiUrl: `http://localhost:8233/namespaces/default/workflows/delivery-${PARAM_EXAMPLES.deliveryId}`,
  },
  apiKey: {
    keyId: PARAM_EXAMPLES.keyId,
    prefix: 'twk_3f9a1c…',
    scopes: ['org:acme'],
    description: 'acme dashboard',
    createdAt: '2026-11-25T10:00:00.000Z',
    lastUsedAt: null,
  },
  publish: {
    eventId: PARAM_EXAMPLES.eventId,
    deliveries: [{ deliveryId: PARAM_EXAMPLES.deliveryId, configId: 'orders', workflowId: `delivery-${PARAM_EXAMPLES.deliveryId}` }],
  },
};

const publishResponseSchema = z
  .strictObject({
    eventId: z.uuid(),
    deliveries: z.array(z.strictObject({ deliveryId: z.uuid(), configId: z.string(), workflowId: z.string() })),
  })
  .meta({ id: 'PublishResponse' });
const retryResponseSchema = z.strictObject({
  deliveryId: z.uuid().meta({ description: 'The delivery now retried: this one, or a new one for a finished delivery' }),
  retriedFrom: z.uuid().optional().meta({ description: 'Set when a new delivery was made' }),
  workflowId: z.string(),
});
const bulkRetryResponseSchema = z.strictObject({
  retried: z.number().int(),
  matched: z.number().int(),
  skipped: z.array(z.strictObject({ deliveryId: z.uuid(), configId: z.string(), reason: z.string() })),
});
const secretSchema = z.strictObject({
  secret: z.string(),
  previousSecret: z.string().nullable(),
  previousSecretExpiresAt: z.iso.datetime().nullable(),
});
const rotatedSecretSchema = z.strictObject({ secret: z.string(), previousSecretExpiresAt: z.iso.datetime().nullable() });
const checksSchema = z.strictObject({
  postgres: z.string().meta({ description: '"ok", or "unavailable: …"', example: 'ok' }),
  temporal: z.string().meta({ description: '"ok", or "unavailable: …"', example: 'ok' }),
});
const page = (item: z.ZodType) => z.strictObject({ items: z.array(item), nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last' }) });
const items = (item: z.ZodType) => z.strictObject({ items: z.array(item) });

type Access = 'public' | 'any' | 'admin' | 'publish' | 'org';

interface Operation {
  method: RouteConfig['method'];
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; example: unknown; optional?: true };
  responses: RouteConfig['responses'];
  /** Problem statuses beyond those every call of its access can get. */
  errors?: number[];
}

const SCOPES: Record<Access, string> = {
  public: 'No key needed.',
  any: 'Any key.',
  admin: 'Needs the `admin` scope.',
  publish: 'Needs the `publish` (or `admin`) scope, or `org:{orgId}` of the event’s org.',
  org: 'Needs `org:{orgId}` (or `admin`); another org’s resources answer 404.',
};

const OPERATIONS: Operation[] = [
  {
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'The process is up',
    tag: 'Health',
    access: 'public',
    responses: { 200: json(z.strictObject({ status: z.literal('ok') }), { status: 'ok' }, 'Up') },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Postgres and Temporal answer',
    tag: 'Health',
    access: 'public',
    responses: {
      200: json(z.strictObject({ status: z.literal('ready'), checks: checksSchema }), { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } }, 'Ready'),
      503: {
        description: 'Not ready; names the dependency that failed',
        content: {
          'application/problem+json': {
            schema: problemSchema.extend({ dependencies: z.array(z.enum(['postgres', 'temporal'])), checks: checksSchema }),
            example: {
              type: 'urn:temporal-webhooks:problem:dependency-unavailable',
              title: 'Service unavailable',
              status: 503,
              detail: 'not ready: temporal unavailable',
              dependencies: ['temporal'],
              checks: { postgres: 'ok', temporal: 'unavailable: no answer within 3000 ms' },
              requestId: '3b8e8f0a-1f2c-4b7d-9e6a-5c4d3b2a1f0e',
            },
          },
        },
      },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    tag: 'Reference',
    access: 'public',
    responses: { 200: json(z.record(z.string(), z.unknown()), { openapi: '3.1.0', info: { title: 'temporal-webhooks', version: VERSION } }, 'The OpenAPI 3.1 document') },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'getApiReference',
    summary: 'Interactive API reference',
    tag: 'Reference',
    access: 'public',
    responses: { 200: { description: 'An HTML page rendering this document', content: { 'text/html': { schema: z.string(), example: '<!doctype html>…' } } } },
  },
  {
    method: 'post',
    path: '/api-keys',
    operationId: 'createApiKey',
    summary: 'Create an API key; the key is shown this once',
    tag: 'API keys',
    access: 'admin',
    body: { schema: createApiKeyBody, example: { scopes: ['org:acme'], description: 'acme dashboard' } },
    responses: { 201: json(createdApiKeySchema, { ...EXAMPLE.apiKey, key: 'twk_3f9a1c5e0b7d4a2f8c6e1b9d3a7f5c2e0b8d6a4f1c3e5b7d' }, 'Created') },
  },
  {
    method: 'get',
    path: '/api-keys',
    operationId: 'listApiKeys',
    summary: 'Live API keys, by prefix only',
    tag: 'API keys',
    access: 'admin',
    query: listQuery,
    responses: { 200: json(page(apiKeySchema), { items: [EXAMPLE.apiKey], nextCursor: null }, 'One page of keys') },
  },
  {
    method: 'delete',
    path: '/api-keys/{keyId}',
    operationId: 'revokeApiKey',
    summary: 'Revoke a key, effective at once',
    tag: 'API keys',
    access: 'admin',
    params: apiKeyParams,
    responses: { 204: { description: 'Revoked' } },
    errors: [404],
  },
  {
    method: 'put',
    path: '/event-types/{eventName}',
    operationId: 'putEventType',
    summary: 'Create (201) or replace (200) an event type',
    tag: 'Event types',
    access: 'admin',
    params: eventTypeParams,
    body: { schema: putEventTypeBody, example: { description: 'An order was placed', schema: { type: 'object', required: ['orderId'] } } },
    responses: { 200: json(eventTypeSchema, EXAMPLE.eventType, 'Replaced'), 201: json(eventTypeSchema, EXAMPLE.eventType, 'Created') },
  },
  {
    method: 'get',
    path: '/event-types',
    operationId: 'listEventTypes',
    summary: 'Event types',
    tag: 'Event types',
    access: 'any',
    query: includeArchivedQuery,
    responses: { 200: json(items(eventTypeSchema), { items: [EXAMPLE.eventType] }, 'Every event type') },
  },
  {
    method: 'get',
    path: '/event-types/{eventName}',
    operationId: 'getEventType',
    summary: 'One event type',
    tag: 'Event types',
    access: 'any',
    params: eventTypeParams,
    responses: { 200: json(eventTypeSchema, EXAMPLE.eventType, 'The event type') },
    errors: [404],
  },
  {
    method: 'delete',
    path: '/event-types/{eventName}',
    operationId: 'archiveEventType',
    summary: 'Archive an event type: publishing it then gets 422',
    tag: 'Event types',
    access: 'admin',
    params: eventTypeParams,
    responses: { 200: json(eventTypeSchema, { ...EXAMPLE.eventType, archived: true, archivedAt: '2026-11-26T10:00:00.000Z' }, 'Archived') },
    errors: [404],
  },
  {
    method: 'put',
    path: '/webhooks/{orgId}/configs/{configId}',
    operationId: 'putConfig',
    summary: 'Create (201, with the signing secret, once) or replace (200) a webhook config',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    body: {
      schema: putConfigBody,
      example: { url: 'https://example.com/hooks', eventNames: ['order.created'], headers: { 'X-Team': 'payments' } },
    },
    responses: {
      200: json(configSchema, EXAMPLE.config, 'Replaced'),
      201: json(configSchema, { ...EXAMPLE.config, secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }, 'Created; carries the signing secret'),
    },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/configs',
    operationId: 'listConfigs',
    summary: 'Webhook configs of an org',
    tag: 'Webhook configs',
    access: 'org',
    params: orgParams,
    query: listQuery,
    responses: { 200: json(page(configSchema), { items: [EXAMPLE.config], nextCursor: null }, 'One page of configs') },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/configs/{configId}',
    operationId: 'getConfig',
    summary: 'One webhook config, with its health',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    responses: { 200: json(configSchema, EXAMPLE.config, 'The config') },
  },
  {
    method: 'patch',
    path: '/webhooks/{orgId}/configs/{configId}',
    operationId: 'patchConfig',
    summary: 'Change part of a config; `{"auth": null}` removes receiver auth',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    body: { schema: patchConfigBody, example: { enabled: false } },
    responses: { 200: json(configSchema, { ...EXAMPLE.config, enabled: false, disabledReason: 'disabled by user', disabledAt: '2026-11-26T10:00:00.000Z' }, 'Updated') },
  },
  {
    method: 'delete',
    path: '/webhooks/{orgId}/configs/{configId}',
    operationId: 'deleteConfig',
    summary: 'Delete a config; its pending deliveries stop',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    responses: { 204: { description: 'Deleted' } },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/configs/{configId}/secret',
    operationId: 'getConfigSecret',
    summary: 'The signing secret, and the previous one while it still signs',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    responses: {
      200: json(secretSchema, { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', previousSecret: null, previousSecretExpiresAt: null }, 'The secret'),
    },
  },
  {
    method: 'post',
    path: '/webhooks/{orgId}/configs/{configId}/secret/rotate',
    operationId: 'rotateConfigSecret',
    summary: 'A new signing secret; the old one keeps signing beside it for SECRET_ROTATION_OVERLAP',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    responses: {
      200: json(rotatedSecretSchema, { secret: 'whsec_Y2hhbmdlZCBzZWNyZXQgb2YgdGhlIGNvbmZpZw==', previousSecretExpiresAt: '2026-11-26T10:00:00.000Z' }, 'Rotated'),
    },
  },
  {
    method: 'post',
    path: '/events',
    operationId: 'publishEvent',
    summary: 'Publish an event: one delivery per matching enabled config',
    tag: 'Events',
    access: 'publish',
    body: { schema: publishBody, example: { eventName: 'order.created', orgId: 'acme', data: { orderId: 'o-1' }, idempotencyKey: 'order-o-1' } },
    responses: { 202: json(publishResponseSchema, EXAMPLE.publish, 'Accepted; a repeated idempotency key answers the first answer again') },
  },
  {
    method: 'post',
    path: '/webhooks/{orgId}/events',
    operationId: 'publishOrgEvent',
    summary: 'Publish an event for one org',
    tag: 'Events',
    access: 'org',
    params: orgParams,
    body: { schema: orgPublishBody, example: { eventName: 'order.created', data: { orderId: 'o-1' }, idempotencyKey: 'order-o-1' } },
    responses: { 202: json(publishResponseSchema, EXAMPLE.publish, 'Accepted') },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/events/{eventId}',
    operationId: 'getEvent',
    summary: 'An event with its deliveries',
    tag: 'Events',
    access: 'org',
    params: eventParams,
    responses: {
      200: json(eventSchema, { eventId: PARAM_EXAMPLES.eventId, orgId: 'acme', eventName: 'order.created', data: { orderId: 'o-1' }, createdAt: '2026-11-25T10:00:00.000Z', deliveries: [EXAMPLE.delivery] }, 'The event'),
    },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/deliveries',
    operationId: 'listDeliveries',
    summary: 'Deliveries of an org, newest first',
    tag: 'Deliveries',
    access: 'org',
    params: orgParams,
    query: deliveriesQuery,
    responses: { 200: json(page(deliverySummarySchema), { items: [EXAMPLE.delivery], nextCursor: null }, 'One page of deliveries') },
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/deliveries/{deliveryId}',
    operationId: 'getDelivery',
    summary: 'One delivery with every attempt and its link to the Temporal UI',
    tag: 'Deliveries',
    access: 'org',
    params: deliveryParams,
    responses: { 200: json(deliverySchema, { ...EXAMPLE.delivery, attempts: [EXAMPLE.attempt] }, 'The delivery') },
  },
  {
    method: 'post',
    path: '/webhooks/{orgId}/deliveries/{deliveryId}/retry',
    operationId: 'retryDelivery',
    summary: 'Retry now; a delivered or expired one becomes a new delivery of the same event',
    tag: 'Deliveries',
    access: 'org',
    params: deliveryParams,
    responses: { 202: json(retryResponseSchema, { deliveryId: PARAM_EXAMPLES.deliveryId, workflowId: `delivery-${PARAM_EXAMPLES.deliveryId}` }, 'Retrying') },
    errors: [409],
  },
  {
    method: 'get',
    path: '/webhooks/{orgId}/dead-letters',
    operationId: 'listDeadLetters',
    summary: 'Open dead letters of an org',
    tag: 'Dead letters',
    access: 'org',
    params: orgParams,
    query: deadLettersQuery,
    responses: { 200: json(items(deadLetterSchema), { items: [EXAMPLE.deadLetter] }, 'Matching dead letters') },
  },
  {
    method: 'post',
    path: '/webhooks/{orgId}/dead-letters/retry',
    operationId: 'retryDeadLetters',
    summary: 'Retry every matching dead letter; those of a disabled or deleted config are skipped, with the reason',
    tag: 'Dead letters',
    access: 'org',
    params: orgParams,
    body: { schema: deadLetterFilter, example: { configId: 'orders' }, optional: true },
    responses: { 202: json(bulkRetryResponseSchema, { retried: 3, matched: 4, skipped: [{ deliveryId: PARAM_EXAMPLES.deliveryId, configId: 'legacy', reason: 'config legacy no longer exists' }] }, 'Retrying') },
  },
];

/** Problem answers any call of an operation can get, by what it needs and sends. */
function errorStatuses(operation: Operation): number[] {
  if (operation.access === 'public') return [];
  const statuses = new Set([401, 429, 500, 503, ...(operation.errors ?? [])]);
  if (operation.access !== 'any') statuses.add(403);
  if (operation.access === 'org') statuses.add(404);
  if (operation.params || operation.query || operation.body) statuses.add(422);
  if (operation.body) for (const status of [400, 413, 415]) statuses.add(status);
  return [...statuses].sort();
}

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The document, built once per process. */
export function openApiDocument(): OpenApiDocument {
  if (cached) return cached;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `Authorization: Bearer twk_…`',
  });

  for (const operation of OPERATIONS) {
    const responses: RouteConfig['responses'] = { ...operation.responses };
    for (const status of errorStatuses(operation)) responses[status] ??= problemResponse(status, operation.path);
    for (const [status, response] of Object.entries(responses)) {
      const { headers, ...rest } = response as { headers?: Record<string, unknown> };
      responses[status] = { ...rest, headers: { ...REQUEST_ID_HEADER, ...headers } } as RouteConfig['responses'][string];
    }
    registry.registerPath({
      method: operation.method,
      path: operation.path,
      operationId: operation.operationId,
      summary: operation.summary,
      description: SCOPES[operation.access],
      tags: [operation.tag],
      security: operation.access === 'public' ? [] : [{ apiKey: [] }],
      request: {
        params: operation.params ? withExamples(operation.params) : undefined,
        query: operation.query ? withExamples(operation.query, QUERY_EXAMPLES) : undefined,
        body: operation.body
          ? { required: !operation.body.optional, content: { 'application/json': { schema: operation.body.schema, example: operation.body.example } } }
          : undefined,
      },
      responses,
    });
  }

  cached = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'temporal-webhooks',
      version: VERSION,
      description:
        'Webhook delivery where every delivery is a durable Temporal workflow. Errors are RFC 9457 `application/problem+json` naming the field that failed. Delivery statuses: ' +
        DELIVERY_STATUSES.join(', ') +
        '.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the reference page of a deployed API tries requests against that API.
    servers: [{ url: '/', description: 'the API serving this document' }],
    security: [{ apiKey: [] }],
    tags: ['Health', 'Reference', 'API keys', 'Event types', 'Webhook configs', 'Events', 'Deliveries', 'Dead letters'].map((name) => ({ name })),
  });
  return cached;
}
