/** The Express app: middleware, authentication, every resource's router and the one error handler, built from its dependencies. */
import type { Client } from '@temporalio/client';
import { trace } from '@opentelemetry/api';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import type { DeliveryDispatcher } from '../delivery/dispatcher';
import { authenticate, rateLimitPerKey, requireAdmin, requireAdminToWrite, requireOrgAccess, requirePublish } from './auth';
import { BadRequestError, createErrorHandler, NotFoundError, ValidationError } from './errors';
import type { Publisher } from '../delivery/publisher';
import { createTestSender } from '../delivery/test-send';
import { destinationGuardFor } from '../core/destinations';
import { createHttpClient, type HttpClient } from '../core/http';
import { secretBoxFor } from '../core/secret-box';
import { USER_AGENT } from '../version';
import { createMetrics, type Metrics } from '../observability/metrics';
import { addLogFields, withLogFields } from '../observability/log-context';
import { createInboundService } from '../delivery/inbound';
import { createRetrier } from '../delivery/retry';
import { apiKeysRouter } from './api-keys/routes';
import { awsEventsRouter } from './aws-events/routes';
import { configsRouter } from './configs/routes';
import { deadLettersRouter } from './dead-letters/routes';
import { deliveriesRouter } from './deliveries/routes';
import { eventTypesRouter } from './event-types/routes';
import { eventsRouter } from './events/routes';
import { filtersRouter } from './filters/routes';
import { healthRouter } from './health/routes';
import { inboundReceiveRouter, inboundSourcesRouter } from './inbound/routes';
import { transformsRouter } from './transforms/routes';
import { referenceRouter } from './reference/routes';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  config: Config;
  logger: Logger;
  /** Starts and signals delivery workflows (retries of dead letters and of deliveries). */
  dispatcher: DeliveryDispatcher;
  /** Writes published events and starts their deliveries: before the answer, or after it with a starter (src/compose.ts). */
  publisher: Publisher;
  /** Sends test sends; one guarded by the configuration's destination rules is made when not given. */
  http?: HttpClient;
  /** Where publish timings are counted; a registry of the app's own when not given. */
  metrics?: Metrics;
}

/** The publish routes whose answers `webhook_publish_duration_seconds` times, by their pattern. */
const PUBLISH_ROUTES: readonly [RegExp, string][] = [
  [/^\/events\/?$/, '/events'],
  [/^\/webhooks\/[^/]+\/events\/?$/, '/webhooks/:orgId/events'],
];

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Deeper bodies are refused before any handler walks them (schema validation, storage, signing). */
export const MAX_JSON_DEPTH = 64;
/**
 * Room in a request body for what surrounds `data` (eventName, orgId, idempotencyKey): MAX_PAYLOAD_BYTES
 * limits `data` itself, so an event of exactly that size can still be published.
 */
export const REQUEST_ENVELOPE_BYTES = 4096;

/** Nesting depth of a parsed JSON value, without recursion (a hostile body cannot blow the stack). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current)) stack.push([child, depth + 1]);
  }
  return deepest;
}

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const metrics = deps.metrics ?? createMetrics();
  const { dispatcher, publisher } = deps;
  const http = deps.http ?? createHttpClient({ guard: destinationGuardFor(config) });
  const testSender = createTestSender({ pool: deps.pool, http, box: secretBoxFor(config), publisher, userAgent: USER_AGENT, logger });
  const retrier = createRetrier({ pool: deps.pool, dispatcher, publisher });
  const inbound = createInboundService({ pool: deps.pool, publisher, box: secretBoxFor(config), secretRotationOverlapMs: config.SECRET_ROTATION_OVERLAP });

  const app = express();
  app.disable('x-powered-by');
  // A JSON API: no page ever renders, so the strictest headers cost nothing.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = requestId;
    res.setHeader('x-request-id', requestId);
    const started = process.hrtime.bigint();
    const route = req.method === 'POST' ? PUBLISH_ROUTES.find(([pattern]) => pattern.test(req.path))?.[1] : undefined;
    // The server span of this request (HTTP instrumentation): named by its route pattern once routed.
    const span = trace.getActiveSpan();
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (route) metrics.observePublish(route, res.statusCode, durationMs / 1000);
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      if (span && typeof pattern === 'string') {
        span.updateName(`${req.method} ${pattern}`);
        span.setAttribute('http.route', pattern);
      }
      span?.setAttribute('webhook.request_id', requestId);
      logger.debug({ requestId, method: req.method, path: req.path, status: res.statusCode, durationMs }, 'request');
    });
    // Every log line of this request, and of the workflows and activities it starts, names it.
    withLogFields({ requestId }, next);
  });
  // Ids in the path are log fields too, once known.
  for (const path of ['/webhooks/:orgId', '/webhooks/:orgId/configs/:configId', '/webhooks/:orgId/deliveries/:deliveryId']) {
    app.use(path, (req, _res, next) => {
      addLogFields(req.params as Record<string, string>);
      next();
    });
  }

  app.use(healthRouter(deps));
  app.use(referenceRouter());
  // EventBridge's PutEvents: SigV4 signs the raw body, so this route reads and verifies it itself.
  app.use(awsEventsRouter({ ...deps, publisher }));
  // Inbound webhooks carry a provider's signature instead of an API key, verified over the raw body.
  app.use(inboundReceiveRouter({ inbound, config }));

  // Everything below needs an API key; bodies of unauthenticated callers are never parsed.
  app.use(authenticate(deps));
  app.use(rateLimitPerKey(config));
  app.use('/api-keys', requireAdmin);
  app.use('/inbound', requireAdmin);
  app.use('/event-types', requireAdminToWrite);
  app.post('/events', requirePublish);
  app.use('/webhooks/:orgId', requireOrgAccess);

  app.use((req, _res, next) => {
    const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
    if (hasBody && !req.is('application/json')) {
      next(new BadRequestError('expected a JSON body with content-type application/json', '(body)'));
      return;
    }
    next();
  });
  app.use(express.json({ limit: config.MAX_PAYLOAD_BYTES + REQUEST_ENVELOPE_BYTES, strict: true }));
  app.use((req, _res, next) => {
    if (jsonDepth(req.body) > MAX_JSON_DEPTH) {
      next(new ValidationError([{ field: '(body)', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }]));
      return;
    }
    next();
  });

  app.use(apiKeysRouter(deps));
  app.use(eventTypesRouter(deps));
  app.use(configsRouter({ ...deps, publisher, testSender }));
  app.use(eventsRouter({ ...deps, publisher }));
  app.use(deliveriesRouter({ ...deps, retrier }));
  app.use(deadLettersRouter({ ...deps, retrier }));
  app.use(filtersRouter());
  app.use(transformsRouter());
  app.use(inboundSourcesRouter({ pool: deps.pool, inbound }));

  app.use((req, _res, next) => next(new NotFoundError(`route ${req.method} ${req.path}`)));
  app.use(createErrorHandler(logger));
  return app;
}
