/** The OpenAPI 3.1 document of the REST API, generated from the request schemas and views. */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { DELIVERY_STATUSES } from '../shared/temporal';
import { VERSION } from '../version';
import { apiKeyParams, createApiKeyBody } from './api-keys/schema';
import { apiKeySchema, createdApiKeySchema } from './api-keys/view';
import { PUT_EVENTS_TARGET, putEventsRequestSchema } from './aws-events/schema';
import { awsErrorSchema, putEventsResponseSchema } from './aws-events/view';
import { listQuery, orgParams } from './common/schema';
import { configParams, patchConfigBody, putConfigBody, testSendBody } from './configs/schema';
import { configSchema, testSendSchema } from './configs/view';
import { deadLetterFilter, deadLettersQuery } from './dead-letters/schema';
import { deadLetterSchema } from './dead-letters/view';
import { deliveriesQuery, deliveryParams } from './deliveries/schema';
import { deliverySchema, deliverySummarySchema } from './deliveries/view';
import { eventTypeParams, includeArchivedQuery, putEventTypeBody } from './event-types/schema';
import { eventTypeSchema } from './event-types/view';
import { eventParams, orgPublishBody, publishBody } from './events/schema';
import { eventSchema } from './events/view';
import { filterTestBody } from './filters/schema';
import { filterVerdictSchema } from './filters/view';
import { inboundParams, putInboundBody } from './inbound/schema';
import { inboundSourceSchema } from './inbound/view';
import { transformTestBody } from './transforms/schema';
import { transformResultSchema } from './transforms/view';

/**
 * The OpenAPI 3.1 document of the REST API, generated from the same zod schemas that validate requests
 * (each resource's schema.ts under src/api) and shape answers (its view.ts). Served at `GET /openapi.json`, rendered at
 * `GET /docs`, committed as docs/openapi.json (`npm run docs:openapi`) and the source of the typed client.
 */

const PARAM_EXAMPLES: Record<string, string> = {
  orgId: 'acme',
  configId: 'orders',
  eventName: 'order.created',
  eventId: '7c1e2f3a-9b8d-4e6f-a1b2-c3d4e5f6a7b8',
  deliveryId: '0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10',
  keyId: '5d0c7f0e-3b1a-4c55-8f8e-2a9d6b1c4e77',
  sourceId: 'gh-acme',
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

interface ProblemExample {
  description: string;
  slug: string;
  title: string;
  detail: string;
  extra?: Record<string, unknown>;
}

const PROBLEMS: Record<number, ProblemExample> = {
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

/** The problem answer of a status; `override` gives an operation its own description and example. */
function problemResponse(status: number, path: string, override: Partial<ProblemExample> = {}) {
  const problem = { ...PROBLEMS[status], ...override };
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

const AWS_JSON = 'application/x-amz-json-1.1';
const AWS_REQUEST_ID = { 'x-amzn-requestid': { description: 'The request id, as EventBridge names it', schema: { type: 'string' as const }, example: '3b8e8f0a-1f2c-4b7d-9e6a-5c4d3b2a1f0e' } };
const AWS_ERROR_TYPE = { description: 'The error code, as in `__type`', schema: { type: 'string' as const }, example: 'ValidationException' };

/** An error of POST /aws/events, in EventBridge's shape. */
function awsError(description: string, code: string, message: string) {
  return {
    description,
    headers: { ...AWS_REQUEST_ID, 'x-amzn-errortype': AWS_ERROR_TYPE },
    content: { [AWS_JSON]: { schema: awsErrorSchema, example: { __type: code, message } } },
  };
}

const json = (schema: z.ZodType, example: unknown, description: string) => ({ description, content: { 'application/json': { schema, example } } });

const EXAMPLE = {
  eventType: {
    eventName: 'order.created',
    description: 'An order was placed',
    schema: { type: 'object', required: ['orderId'] },
    eventBus: null,
    eventSource: null,
    eventDetailType: null,
    orgIdPath: 'orgId',
    maxPayloadBytes: null,
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
    filter: null,
    transform: null,
    retry: null,
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
    test: false,
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
    type: 'bearer',
    accessKeyId: null,
    scopes: ['org:acme'],
    description: 'acme dashboard',
    createdAt: '2026-11-25T10:00:00.000Z',
    lastUsedAt: null,
  },
  publish: {
    eventId: PARAM_EXAMPLES.eventId,
    deliveries: [{ deliveryId: PARAM_EXAMPLES.deliveryId, configId: 'orders', workflowId: `delivery-${PARAM_EXAMPLES.deliveryId}` }],
  },
  inboundSource: {
    sourceId: 'gh-acme',
    provider: 'github',
    orgId: 'acme',
    eventNamePrefix: 'github',
    url: null,
    receivePath: '/inbound/gh-acme',
    previousSecretExpiresAt: null,
    createdAt: '2026-11-25T10:00:00.000Z',
    updatedAt: '2026-11-25T10:00:00.000Z',
  },
};

const publishResponseSchema = z
  .strictObject({
    eventId: z.uuid(),
    deliveries: z.array(z.strictObject({ deliveryId: z.uuid(), configId: z.string(), workflowId: z.string() })),
  })
  .meta({ id: 'PublishResponse' });
const inboundPublishResponseSchema = publishResponseSchema
  .extend({ eventName: z.string().meta({ description: '`{eventNamePrefix}.{provider event}`', example: 'github.push' }) })
  .meta({ id: 'InboundPublishResponse' });
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

type Access = 'public' | 'any' | 'admin' | 'publish' | 'org' | 'signature' | 'sigv4';

interface Operation {
  method: RouteConfig['method'];
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  access: Access;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  body?: { schema: z.ZodType; example: unknown; optional?: true; mediaType?: string; more?: Record<string, { schema: z.ZodType; example: unknown }> };
  responses: RouteConfig['responses'];
  /** Problem statuses beyond those every call of its access can get. */
  errors?: number[];
  /** An operation's own description and example of a problem status. */
  problems?: Record<number, Partial<ProblemExample>>;
}

const SCOPES: Record<Access, string> = {
  public: 'No key needed.',
  any: 'Any key.',
  admin: 'Needs the `admin` scope.',
  publish: 'Needs the `publish` (or `admin`) scope, or `org:{orgId}` of the event’s org.',
  org: 'Needs `org:{orgId}` (or `admin`); another org’s resources answer 404.',
  signature:
    'No API key: the provider’s signature over the raw body is the credential, checked by the source’s `provider`: `X-Hub-Signature-256` (github), `Stripe-Signature` (stripe), `X-Twilio-Signature` (twilio) or `webhook-id`, `webhook-timestamp` and `webhook-signature` (standard). A request that does not verify publishes nothing.',
  sigv4:
    'EventBridge PutEvents (JSON 1.1): signed with AWS Signature Version 4 for the service `events`, in any region, by an `aws-sigv4` key (`POST /api-keys` with `"type":"aws-sigv4"`), as any AWS SDK signs it. Each entry’s org needs the key’s `publish` or `org:{orgId}` scope. Errors have EventBridge’s shape, not problem+json.',
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
    summary: 'Create an API key, shown this once: a bearer `key`, or with `"type":"aws-sigv4"` an `accessKeyId` and `secretAccessKey` for POST /aws/events',
    tag: 'API keys',
    access: 'admin',
    body: { schema: createApiKeyBody, example: { scopes: ['org:acme'], description: 'acme dashboard' } },
    responses: {
      201: json(
        createdApiKeySchema,
        { ...EXAMPLE.apiKey, key: 'twk_3f9a1c5e0b7d4a2f8c6e1b9d3a7f5c2e0b8d6a4f1c3e5b7d' },
        'Created; a bearer key carries `key`, an aws-sigv4 key `accessKeyId` and `secretAccessKey`',
      ),
    },
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
    problems: {
      409: {
        description: 'Another event type maps the same eventBus, eventSource and eventDetailType',
        slug: 'conflict',
        title: 'Conflict',
        detail: 'eventBus, eventSource and eventDetailType already map to event type "order.placed"',
        extra: {},
      },
    },
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
    path: '/webhooks/{orgId}/configs/{configId}/test',
    operationId: 'testSendConfig',
    summary: 'Send one signed test event to the config now: 200 with the attempt, whatever the receiver answered; never retried',
    tag: 'Webhook configs',
    access: 'org',
    params: configParams,
    body: { schema: testSendBody, example: { eventName: 'order.created', data: { orderId: 'o-1' } }, optional: true },
    responses: {
      200: json(
        testSendSchema,
        { deliveryId: PARAM_EXAMPLES.deliveryId, eventId: PARAM_EXAMPLES.eventId, eventName: 'webhook.test', configId: 'orders', test: true, status: 'delivered', attempt: EXAMPLE.attempt },
        'Sent; `status` and `attempt` say how the receiver answered',
      ),
    },
    problems: {
      422: {
        description: 'A field failed validation, the event type is not registered, or the data does not satisfy its schema; `field` names it',
        detail: 'eventName: event type "order.shipped" is not registered',
        extra: { field: 'eventName', errors: [{ field: 'eventName', message: 'event type "order.shipped" is not registered' }] },
      },
    },
  },
  {
    method: 'post',
    path: '/filters/test',
    operationId: 'testFilter',
    summary: 'Whether a filter (an EventBridge event pattern) matches an event, and the first field that did not; stores nothing',
    tag: 'Webhook configs',
    access: 'any',
    body: {
      schema: filterTestBody,
      example: { filter: { data: { order: { total: [{ numeric: ['>', 100] }] } } }, event: { type: 'order.created', data: { order: { total: 80 } } } },
    },
    responses: { 200: json(filterVerdictSchema, { matches: false, reason: 'data.order.total: 80 does not match [{"numeric":[">",100]}]' }, 'The verdict') },
    problems: {
      422: {
        description: 'A field failed validation, or the pattern is not valid; `field` names the path inside it',
        detail: 'filter.data.order.total[0].numeric: expected a number after ">"',
        extra: { field: 'filter.data.order.total[0].numeric', errors: [{ field: 'filter.data.order.total[0].numeric', message: 'expected a number after ">"' }] },
      },
    },
  },
  {
    method: 'post',
    path: '/transforms/test',
    operationId: 'testTransform',
    summary: 'The body a config with this payload template would send for an event; stores nothing',
    tag: 'Webhook configs',
    access: 'any',
    body: { schema: transformTestBody, example: { transform: '{"text": "Order " & data.orderId & " was placed"}', event: { type: 'order.created', data: { orderId: 'o-1' } } } },
    responses: { 200: json(transformResultSchema, { body: { text: 'Order o-1 was placed' }, bytes: 31 }, 'The body and its size') },
    problems: {
      422: {
        description: 'A field failed validation, or the transform does not compile or fails on the event; `field` names it',
        detail: 'transform: nope',
        extra: { field: 'transform', errors: [{ field: 'transform', message: 'nope' }] },
      },
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
    method: 'post',
    path: '/aws/events',
    operationId: 'putEvents',
    summary: 'EventBridge PutEvents: each entry becomes an event of the type mapped to its bus, source and detail type',
    tag: 'Events',
    access: 'sigv4',
    headers: z.object({ 'x-amz-target': z.literal(PUT_EVENTS_TARGET).meta({ description: 'The operation; PutEvents is the only one', example: PUT_EVENTS_TARGET }) }),
    body: {
      schema: putEventsRequestSchema,
      mediaType: AWS_JSON,
      example: {
        Entries: [{ EventBusName: 'orders', Source: 'com.example.shop', DetailType: 'Order Created', Detail: '{"account":{"orgId":"acme"},"orderId":"o-1"}' }],
      },
    },
    responses: {
      200: {
        description: 'Put; an entry that failed carries `ErrorCode` and `ErrorMessage` instead of `EventId`, counted in `FailedEntryCount`',
        headers: AWS_REQUEST_ID,
        content: {
          [AWS_JSON]: {
            schema: putEventsResponseSchema,
            example: { FailedEntryCount: 1, Entries: [{ EventId: PARAM_EXAMPLES.eventId }, { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }] },
          },
        },
      },
      400: awsError(
        'ValidationException (no entries, more than 10, over 256 KiB), SerializationException (not JSON), UnknownOperationException (another X-Amz-Target), ThrottlingException (the key’s rate limit), UnrecognizedClientException (unknown or revoked key), InvalidSignatureException, IncompleteSignatureException',
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      ),
      403: awsError('MissingAuthenticationTokenException: the request is not signed', 'MissingAuthenticationTokenException', 'Missing Authentication Token'),
      500: awsError('InternalException; quote the request id', 'InternalException', 'An internal error occurred; quote the request id when reporting it.'),
      503: {
        ...awsError('ServiceUnavailableException: Postgres or Temporal is unreachable; see Retry-After', 'ServiceUnavailableException', 'The service is unavailable; try again later.'),
        headers: { ...AWS_REQUEST_ID, 'x-amzn-errortype': AWS_ERROR_TYPE, ...RETRY_AFTER },
      },
    },
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
      200: json(eventSchema, { eventId: PARAM_EXAMPLES.eventId, orgId: 'acme', eventName: 'order.created', data: { orderId: 'o-1' }, envelope: null, createdAt: '2026-11-25T10:00:00.000Z', deliveries: [EXAMPLE.delivery], filteredConfigs: [] }, 'The event'),
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
  {
    method: 'put',
    path: '/inbound/{sourceId}',
    operationId: 'putInboundSource',
    summary: 'Create (201) or replace (200) an inbound source; a new secret rotates, the old one verifying for SECRET_ROTATION_OVERLAP',
    tag: 'Inbound sources',
    access: 'admin',
    params: inboundParams,
    body: { schema: putInboundBody, example: { provider: 'github', secret: 'a-webhook-secret-shared-with-github', orgId: 'acme', eventNamePrefix: 'github' } },
    responses: { 200: json(inboundSourceSchema, EXAMPLE.inboundSource, 'Replaced'), 201: json(inboundSourceSchema, EXAMPLE.inboundSource, 'Created; the answer never holds a secret') },
  },
  {
    method: 'get',
    path: '/inbound/{sourceId}',
    operationId: 'getInboundSource',
    summary: 'One inbound source, without its secrets',
    tag: 'Inbound sources',
    access: 'admin',
    params: inboundParams,
    responses: { 200: json(inboundSourceSchema, EXAMPLE.inboundSource, 'The inbound source') },
    errors: [404],
    problems: { 404: { description: 'No such inbound source', detail: 'inbound source gh-acme not found' } },
  },
  {
    method: 'delete',
    path: '/inbound/{sourceId}',
    operationId: 'deleteInboundSource',
    summary: 'Delete an inbound source: its webhooks then answer 404',
    tag: 'Inbound sources',
    access: 'admin',
    params: inboundParams,
    responses: { 204: { description: 'Deleted' } },
    errors: [404],
    problems: { 404: { description: 'No such inbound source', detail: 'inbound source gh-acme not found' } },
  },
  {
    method: 'post',
    path: '/inbound/{sourceId}',
    operationId: 'receiveInboundWebhook',
    summary: 'A provider’s signed webhook: published as the event `{eventNamePrefix}.{provider event}` of the source’s org',
    tag: 'Inbound sources',
    access: 'signature',
    params: inboundParams,
    body: {
      schema: z.record(z.string(), z.unknown()).meta({ description: 'The provider’s payload, verified as received' }),
      example: { ref: 'refs/heads/main', repository: { full_name: 'acme/shop' } },
      more: {
        'application/x-www-form-urlencoded': {
          schema: z.record(z.string(), z.string()).meta({ description: 'Twilio’s form parameters' }),
          example: { MessageSid: 'SM0b9f3c1e6d2a4f7e9a513c8d2e7f4a10', MessageStatus: 'delivered' },
        },
      },
    },
    responses: {
      202: json(inboundPublishResponseSchema, { eventName: 'github.push', ...EXAMPLE.publish }, 'Published; a redelivery with the provider’s delivery id answers the first answer again'),
    },
    problems: {
      400: { description: 'The verified body is not a JSON object', detail: 'the verified body is not JSON' },
      401: {
        description: 'The signature does not verify; nothing is published',
        slug: 'signature',
        title: 'Signature verification failed',
        detail: 'github signature: X-Hub-Signature-256 does not match',
        extra: {},
      },
      404: { description: 'No such inbound source', detail: 'inbound source gh-acme not found' },
      413: { description: 'The body exceeds MAX_PAYLOAD_BYTES' },
      422: {
        description: 'The event name is not registered (the provider retries), or the data does not satisfy its schema',
        detail: 'eventName: event type "github.push" is not registered',
        extra: { field: 'eventName', errors: [{ field: 'eventName', message: 'event type "github.push" is not registered' }] },
      },
    },
  },
];

const SECURITY: Record<Access, { [scheme: string]: string[] }[]> = {
  public: [],
  signature: [],
  sigv4: [{ awsSigV4: [] }],
  any: [{ apiKey: [] }],
  admin: [{ apiKey: [] }],
  publish: [{ apiKey: [] }],
  org: [{ apiKey: [] }],
};

/** Problem answers any call of an operation can get, by what it needs and sends. */
function errorStatuses(operation: Operation): number[] {
  if (operation.access === 'public' || operation.access === 'sigv4') return [];
  if (operation.access === 'signature') return [400, 401, 404, 413, 415, 422, 500, 503];
  const statuses = new Set([401, 429, 500, 503, ...(operation.errors ?? [])]);
  if (operation.access !== 'any') statuses.add(403);
  if (operation.access === 'org') statuses.add(404);
  if (operation.params || operation.query || operation.body) statuses.add(422);
  if (operation.body) for (const status of [400, 413, 415]) statuses.add(status);
  for (const status of Object.keys(operation.problems ?? {})) statuses.add(Number(status));
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
  registry.registerComponent('securitySchemes', 'awsSigV4', {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description: 'AWS Signature Version 4 (`AWS4-HMAC-SHA256 Credential=TWKA…/…/…/events/aws4_request, …`) by an `aws-sigv4` key; any AWS SDK makes it',
  });

  for (const operation of OPERATIONS) {
    const responses: RouteConfig['responses'] = { ...operation.responses };
    for (const status of errorStatuses(operation)) responses[status] ??= problemResponse(status, operation.path, operation.problems?.[status]);
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
      security: SECURITY[operation.access],
      request: {
        params: operation.params ? withExamples(operation.params) : undefined,
        query: operation.query ? withExamples(operation.query, QUERY_EXAMPLES) : undefined,
        headers: operation.headers,
        body: operation.body
          ? {
              required: !operation.body.optional,
              content: {
                [operation.body.mediaType ?? 'application/json']: { schema: operation.body.schema, example: operation.body.example },
                ...operation.body.more,
              },
            }
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
    tags: ['Health', 'Reference', 'API keys', 'Event types', 'Webhook configs', 'Events', 'Deliveries', 'Dead letters', 'Inbound sources'].map((name) => ({ name })),
  });
  return cached;
}
