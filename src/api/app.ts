import type { Client } from '@temporalio/client';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import { createDeliveryDispatcher } from '../delivery/dispatcher';
import { authenticate, rateLimitPerKey, requireAdmin, requireAdminToWrite, requireOrgAccess, requirePublish } from './auth';
import { BadRequestError, createErrorHandler, NotFoundError, ValidationError } from './errors';
import { createPublisher } from '../delivery/publisher';
import { apiKeysRouter } from './routes/api-keys';
import { configsRouter } from './routes/configs';
import { deliveriesRouter } from './routes/deliveries';
import { eventTypesRouter } from './routes/event-types';
import { eventsRouter } from './routes/events';
import { healthRouter } from './routes/health';
import { referenceRouter } from './routes/reference';

export interface AppDeps {
  pool: Pool;
  temporal: Client;
  config: Config;
  logger: Logger;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Deeper bodies are refused before any handler walks them (schema validation, storage, signing). */
export const MAX_JSON_DEPTH = 64;

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
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger });

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
    res.on('finish', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ requestId, method: req.method, path: req.path, status: res.statusCode, durationMs }, 'request');
    });
    next();
  });

  app.use(healthRouter(deps));
  app.use(referenceRouter());

  // Everything below needs an API key; bodies of unauthenticated callers are never parsed.
  app.use(authenticate(deps));
  app.use(rateLimitPerKey(config));
  app.use('/api-keys', requireAdmin);
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
  app.use(express.json({ limit: config.MAX_PAYLOAD_BYTES, strict: true }));
  app.use((req, _res, next) => {
    if (jsonDepth(req.body) > MAX_JSON_DEPTH) {
      next(new ValidationError([{ field: '(body)', message: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` }]));
      return;
    }
    next();
  });

  app.use(apiKeysRouter(deps));
  app.use(eventTypesRouter(deps));
  app.use(configsRouter({ ...deps, publisher }));
  app.use(eventsRouter({ ...deps, publisher }));
  app.use(deliveriesRouter({ ...deps, dispatcher, publisher }));

  app.use((req, _res, next) => next(new NotFoundError(`route ${req.method} ${req.path}`)));
  app.use(createErrorHandler(logger));
  return app;
}
