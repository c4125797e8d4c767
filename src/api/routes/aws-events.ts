/**
 * `POST /aws/events`: EventBridge's PutEvents over its JSON 1.1 protocol, so that an AWS SDK pointed at the
 * service (`new EventBridgeClient({ endpoint })`) publishes unchanged. Requests are authenticated with
 * SigV4 by `aws-sigv4` API keys; answers and errors have EventBridge's shapes. Each accepted entry becomes
 * an event exactly as `POST /events` makes one.
 */
import express, { type ErrorRequestHandler, type Request, type Response, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { findActiveSigV4Key } from '../../db/api-keys';
import { findEventTypeByBusTriple } from '../../db/event-types';
import type { EventEnvelope } from '../../db/events';
import type { Pool } from '../../db/pool';
import type { Publisher } from '../../delivery/publisher';
import type { Logger } from '../../logger';
import { secretBoxFor } from '../../secrets/encryption';
import { type Principal, rateLimitPerKey } from '../auth';
import { HttpError, isPostgresUnavailable, isTemporalUnavailable, RateLimitedError } from '../errors';
import { SigV4Error, verifySigV4 } from '../sigv4';
import { ID_PATTERN } from '../validation';

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
/** EventBridge's limits of one PutEvents request. */
export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;
const JSON_1_1 = 'application/x-amz-json-1.1';
const DEFAULT_BUS = 'default';

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

/**
 * PutEvents as EventBridge defines it (JSON 1.1). The route checks each entry itself, so that one bad entry
 * fails alone with EventBridge's error code; these schemas describe the request and shape the answers.
 */
export const putEventsEntrySchema = z
  .object({
    EventBusName: z.string().max(1600).optional().meta({ description: 'A bus name or ARN; `default` when left out', example: 'orders' }),
    Source: z.string().meta({ example: 'com.example.shop' }),
    DetailType: z.string().meta({ example: 'Order Created' }),
    Detail: z.string().meta({ description: 'A JSON object, as a string: the event\'s data', example: '{"account":{"orgId":"acme"},"orderId":"o-1"}' }),
    Time: z.union([z.number(), z.string()]).optional().meta({ description: 'Epoch seconds or an ISO-8601 timestamp; now when left out', example: 1764064800 }),
    Resources: z.array(z.string().max(2048)).max(100).optional().meta({ example: [] }),
  })
  .meta({ id: 'PutEventsRequestEntry' });

export const putEventsRequestSchema = z
  .object({ Entries: z.array(putEventsEntrySchema).min(1).max(MAX_PUT_EVENTS_ENTRIES) })
  .meta({ id: 'PutEventsRequest', description: 'EventBridge PutEvents; other members (EndpointId) are ignored' });

export const putEventsResultEntrySchema = z
  .union([
    z.strictObject({ EventId: z.uuid().meta({ example: '7c1e2f3a-9b8d-4e6f-a1b2-c3d4e5f6a7b8' }) }),
    z.strictObject({
      ErrorCode: z.enum(['InvalidArgument', 'MalformedDetail', 'AccessDeniedException']).meta({ example: 'InvalidArgument' }),
      ErrorMessage: z.string().meta({ example: 'No event definition for EventBusName "orders", Source "com.example.shop" and DetailType "Order Shipped".' }),
    }),
  ])
  .meta({ id: 'PutEventsResultEntry', description: 'The event id of an entry put, or why that entry failed' });

export const putEventsResponseSchema = z
  .strictObject({
    FailedEntryCount: z.number().int().meta({ example: 0 }),
    Entries: z.array(putEventsResultEntrySchema).meta({ description: 'One per entry of the request, in its order' }),
  })
  .meta({ id: 'PutEventsResponse' });

/** The error codes of this route, each with the status it answers. */
export const AWS_ERROR_CODES = [
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'UnknownOperationException',
  'SerializationException',
  'ValidationException',
  'ThrottlingException',
  'InternalException',
  'ServiceUnavailableException',
] as const;

export const awsErrorSchema = z
  .strictObject({
    __type: z.enum(AWS_ERROR_CODES).meta({ example: 'ValidationException' }),
    message: z.string().meta({ example: "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null" }),
  })
  .meta({ id: 'AwsError', description: 'An error in EventBridge\'s shape; `x-amzn-ErrorType` carries the same code' });

type EntryResult = z.infer<typeof putEventsResultEntrySchema>;
type AwsErrorCode = (typeof AWS_ERROR_CODES)[number];

class EntryError extends Error {
  override readonly name = 'EntryError';
  constructor(
    readonly code: 'InvalidArgument' | 'MalformedDetail' | 'AccessDeniedException',
    message: string,
  ) {
    super(message);
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The value at a dotted path of an object, or undefined. */
export function valueAtPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const name of path.split('.')) {
    if (!isPlainObject(current) || !Object.hasOwn(current, name)) return undefined;
    current = current[name];
  }
  return current;
}

/** `arn:aws:events:us-east-1:123456789012:event-bus/orders` names the bus `orders`, as in EventBridge. */
function busNameOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return DEFAULT_BUS;
  if (typeof value !== 'string' || value.length > 1600) throw new EntryError('InvalidArgument', 'Parameter EventBusName is not valid.');
  const arn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(value);
  return arn ? arn[1] : value;
}

/** The SDK sends `Time` as epoch seconds; an ISO-8601 string is accepted too. */
function timeOf(value: unknown, now: Date): string {
  if (value === undefined || value === null) return now.toISOString();
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new EntryError('InvalidArgument', 'Parameter Time is not valid. Reason: expected epoch seconds or an ISO-8601 timestamp.');
  return date.toISOString();
}

function requiredString(entry: Record<string, unknown>, name: 'Source' | 'DetailType' | 'Detail'): string {
  const value = entry[name];
  if (value === undefined || value === null || value === '') throw new EntryError('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} is a required argument.`);
  if (typeof value !== 'string') throw new EntryError('InvalidArgument', `Parameter ${name} is not valid. Reason: ${name} must be a string.`);
  return value;
}

function mayPublishFor(principal: Principal, orgId: string): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes('publish') || principal.scopes.includes(`org:${orgId}`);
}

function sendAws(res: Response, status: number, body: unknown): void {
  res.status(status).type(JSON_1_1).setHeader('x-amzn-requestid', String(res.locals.requestId ?? ''));
  res.send(JSON.stringify(body));
}

export function awsEventsRouter(deps: {
  pool: Pool;
  publisher: Publisher;
  logger: Logger;
  config: Pick<Config, 'ENCRYPTION_KEY' | 'ENCRYPTION_PREVIOUS_KEYS' | 'RATE_LIMIT_PER_MINUTE'>;
}): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);

  async function putEntry(raw: unknown, principal: Principal): Promise<EntryResult> {
    try {
      if (!isPlainObject(raw)) throw new EntryError('InvalidArgument', 'Entry is not valid. Reason: expected an object.');
      const source = requiredString(raw, 'Source');
      const detailType = requiredString(raw, 'DetailType');
      const detailText = requiredString(raw, 'Detail');
      const bus = busNameOf(raw.EventBusName);
      let detail: unknown;
      try {
        detail = JSON.parse(detailText);
      } catch {
        throw new EntryError('MalformedDetail', 'Detail is malformed.');
      }
      if (!isPlainObject(detail)) throw new EntryError('MalformedDetail', 'Detail is malformed. Reason: Detail must be a JSON object.');
      const resources = raw.Resources ?? [];
      if (!Array.isArray(resources) || resources.length > 100 || !resources.every((r) => typeof r === 'string' && r.length <= 2048)) {
        throw new EntryError('InvalidArgument', 'Parameter Resources is not valid. Reason: expected at most 100 strings.');
      }
      const time = timeOf(raw.Time, new Date());

      const type = await findEventTypeByBusTriple(deps.pool, bus, source, detailType);
      if (!type) {
        throw new EntryError('InvalidArgument', `No event definition for EventBusName "${bus}", Source "${source}" and DetailType "${detailType}".`);
      }
      const orgId = valueAtPath(detail, type.org_id_path);
      if (typeof orgId !== 'string' || !ID_PATTERN.test(orgId)) {
        throw new EntryError('InvalidArgument', `Detail has no organization id at "${type.org_id_path}" (1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-").`);
      }
      if (!mayPublishFor(principal, orgId)) throw new EntryError('AccessDeniedException', `This key may not publish events of organization "${orgId}".`);

      const envelope: EventEnvelope = { source, detailType, bus, time, resources: resources as string[] };
      const published = await deps.publisher.publish({ orgId, eventName: type.name, data: detail, envelope });
      return { EventId: published.eventId };
    } catch (error) {
      if (error instanceof EntryError) return { ErrorCode: error.code, ErrorMessage: error.message };
      // The event's own data refused (its type's schema, its payload limit): this entry fails, the others go on.
      if (error instanceof HttpError && error.status < 500) return { ErrorCode: 'InvalidArgument', ErrorMessage: error.message };
      throw error;
    }
  }

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
      const results: EntryResult[] = [];
      for (const entry of entries) results.push(await putEntry(entry, principal));
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
