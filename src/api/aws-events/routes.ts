/** Route of `POST /aws/events`: EventBridge's PutEvents over its JSON 1.1 protocol. */
/*
 * An AWS SDK pointed at the service (`new EventBridgeClient({ endpoint })`) publishes unchanged. Requests are authenticated with
 * SigV4 by `aws-sigv4` API keys; answers and errors have EventBridge's shapes. Each accepted entry becomes
 * an event exactly as `POST /events` makes one.
 */
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import type { Config } from '../../config';
import type { Publisher } from '../../delivery/publisher';
import { createPutEvents } from '../../delivery/put-events';
import type { Logger } from '../../logger';
import { secretBoxFor } from '../../core/secret-box';
import { type Principal, rateLimitPerKey } from '../auth';
import { isPostgresUnavailable, isTemporalUnavailable, RateLimitedError } from '../errors';
import { SigV4Error, verifySigV4 } from '../sigv4';
import { MAX_PUT_EVENTS_BYTES, MAX_PUT_EVENTS_ENTRIES, PUT_EVENTS_TARGET } from './schema';
import { type AwsErrorCode, type awsErrorSchema, type putEventsResponseSchema, type putEventsResultEntrySchema, sendAws } from './view';
import { type Pool } from '../../db/pool';
import { findActiveSigV4Key } from '../../db/api-keys';

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** An error answered as EventBridge answers it: `{"__type", "message"}` and `x-amzn-ErrorType`. */
export class AwsProtocolError extends Error {
  override readonly name = 'AwsProtocolError';
  constructor(
    readonly status: number,
    readonly code: AwsErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function awsEventsRouter(deps: {
  pool: Pool;
  publisher: Publisher;
  logger: Logger;
  config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_PREVIOUS_KEYS' | 'RATE_LIMIT_PER_MINUTE'>;
}): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);
  const putEvents = createPutEvents(deps);

  async function authenticateSigV4(req: Request, res: Response): Promise<void> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const queryText = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of new URLSearchParams(queryText)) {
      const prior = query[name];
      query[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    let row: Awaited<ReturnType<typeof findActiveSigV4Key>>;
    const caller = await verifySigV4(
      { method: req.method, path: req.originalUrl.split('?')[0], query, headers: req.headers, body },
      {
        service: 'events',
        secretOf: async (accessKeyId) => {
          row = await findActiveSigV4Key(deps.pool, accessKeyId);
          return row ? box.decrypt(row.secret_sealed) : undefined;
        },
      },
    );
    res.locals.principal = { keyId: row!.key_id, scopes: row!.scopes } satisfies Principal;
    res.locals.accessKeyId = caller.accessKeyId;
  }

  const limiter = rateLimitPerKey(deps.config);

  router.post(
    '/aws/events',
    express.raw({ type: () => true, limit: MAX_PUT_EVENTS_BYTES }),
    (req, res, next) => {
      authenticateSigV4(req, res).then(() => next(), next);
    },
    limiter,
    async (req, res) => {
      if (req.get('x-amz-target') !== PUT_EVENTS_TARGET) throw new AwsProtocolError(400, 'UnknownOperationException', '');
      let body: unknown;
      try {
        body = JSON.parse((req.body as Buffer).toString('utf8'));
      } catch {
        throw new AwsProtocolError(400, 'SerializationException', 'Start of structure or map found where not expected.');
      }
      const entries = isPlainObject(body) ? body.Entries : undefined;
      if (!Array.isArray(entries) || entries.length === 0) {
        throw new AwsProtocolError(400, 'ValidationException', "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null");
      }
      if (entries.length > MAX_PUT_EVENTS_ENTRIES) {
        throw new AwsProtocolError(
          400,
          'ValidationException',
          `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES}`,
        );
      }
      const principal = res.locals.principal as Principal;
      const results: z.infer<typeof putEventsResultEntrySchema>[] = [];
      for (const entry of entries) results.push(await putEvents.putEntry(entry, principal.scopes));
      const answer: z.infer<typeof putEventsResponseSchema> = { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      sendAws(res, 200, answer);
    },
  );

  /** Every failure of this route in EventBridge's shape, never problem+json: the SDK parses `__type`. */
  const errorHandler: ErrorRequestHandler = (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    let known: AwsProtocolError;
    if (error instanceof AwsProtocolError) known = error;
    else if (error instanceof SigV4Error) known = new AwsProtocolError(error.code === 'MissingAuthenticationTokenException' ? 403 : 400, error.code, error.message);
    else if (error instanceof RateLimitedError) known = new AwsProtocolError(400, 'ThrottlingException', 'Rate exceeded');
    else if ((error as { type?: string }).type === 'entity.too.large') {
      known = new AwsProtocolError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
    } else if (typeof (error as { type?: unknown }).type === 'string' && typeof (error as { status?: unknown }).status === 'number') {
      // Any other refusal of the body reader (an unsupported encoding, an aborted upload).
      known = new AwsProtocolError(400, 'SerializationException', 'The request body could not be read.');
    } else if (isPostgresUnavailable(error) || isTemporalUnavailable(error)) {
      res.setHeader('retry-after', '5');
      known = new AwsProtocolError(503, 'ServiceUnavailableException', 'The service is unavailable; try again later.');
    } else {
      deps.logger.error({ requestId: res.locals.requestId, err: error }, 'PutEvents failed');
      known = new AwsProtocolError(500, 'InternalException', 'An internal error occurred; quote the request id when reporting it.');
    }
    res.setHeader('x-amzn-errortype', known.code);
    const answer: z.infer<typeof awsErrorSchema> = { __type: known.code, message: known.message };
    sendAws(res, known.status, answer);
  };
  router.use('/aws/events', errorHandler);

  return router;
}
