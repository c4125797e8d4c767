/** HTTP errors of the API and the one error handler that turns every failure into RFC 9457 problem+json. */
import type { ErrorRequestHandler, Response } from 'express';
import { ZodError } from 'zod';
import {
  ConfigDeletedError,
  ConfigDisabledError,
  DomainError,
  InvalidFieldError,
  InvalidInputError,
  MalformedPayloadError,
  PayloadTooLargeError,
  ResourceNotFoundError,
  SignatureVerificationError,
  StateConflictError,
} from '../core/errors';
import type { Logger } from '../logger';

const PROBLEM_BASE = 'urn:temporal-webhooks:problem:';

export interface FieldError {
  field: string;
  message: string;
}

/** Base of every error the API answers on purpose; anything else is a 500. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export class ValidationError extends HttpError {
  override readonly name = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(422, 'validation', 'Validation failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
      field: errors[0]?.field,
      errors,
    });
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError';
  constructor(what: string) {
    super(404, 'not-found', 'Not found', `${what} not found`);
  }
}

export class ConflictError extends HttpError {
  override readonly name = 'ConflictError';
  constructor(message: string) {
    super(409, 'conflict', 'Conflict', message);
  }
}

export class BadRequestError extends HttpError {
  override readonly name = 'BadRequestError';
  constructor(message: string, field?: string) {
    super(400, 'bad-request', 'Bad request', message, field ? { field } : {});
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError';
  constructor(message = 'send an API key as `Authorization: Bearer <key>`') {
    super(401, 'unauthorized', 'Unauthorized', message, { field: 'authorization' });
  }
}

export class ForbiddenError extends HttpError {
  override readonly name = 'ForbiddenError';
  constructor(needed: string) {
    super(403, 'forbidden', 'Forbidden', `this API key lacks the scope this request needs (${needed})`, { field: 'authorization' });
  }
}

export class RateLimitedError extends HttpError {
  override readonly name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate-limited', 'Too many requests', `rate limit of this API key reached; retry in ${retryAfterSeconds} s`, { field: 'authorization' });
  }
}

export class DependencyUnavailableError extends HttpError {
  override readonly name = 'DependencyUnavailableError';
  constructor(readonly dependency: 'postgres' | 'temporal') {
    super(503, 'dependency-unavailable', 'Service unavailable', `${dependency} is unavailable; try again later`, { dependency });
  }
}

/** zod issue path → `eventNames[0]`, `headers.X-Team`. */
export function fieldOf(path: readonly PropertyKey[], prefix = ''): string {
  const joined = path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
  return prefix && joined ? `${prefix}.${joined}` : prefix || joined || '(body)';
}

export function validationErrorFromZod(error: ZodError, prefix = ''): ValidationError {
  return new ValidationError(
    error.issues.flatMap((issue) =>
      // An unknown key is named itself, so the caller sees which field to remove.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: fieldOf([...issue.path, key], prefix), message: 'unknown field' }))
        : [{ field: fieldOf(issue.path, prefix), message: issue.message }],
    ),
  );
}

/** The HTTP answer of an error the domain throws (src/core/errors.ts); undefined for one it does not know. */
export function httpErrorOf(error: DomainError): HttpError | undefined {
  if (error instanceof InvalidFieldError) return new ValidationError([{ field: error.field, message: error.reason }]);
  if (error instanceof InvalidInputError) return new ValidationError(error.problems.map(({ field, message }) => ({ field, message })));
  if (error instanceof PayloadTooLargeError) return new HttpError(413, 'payload-too-large', 'Payload too large', error.message, { field: error.field });
  if (error instanceof MalformedPayloadError) return new BadRequestError(error.message, error.field);
  if (error instanceof ResourceNotFoundError) return new NotFoundError(error.what);
  if (error instanceof StateConflictError) return new ConflictError(error.message);
  if (error instanceof ConfigDisabledError) {
    const { configId, disabledReason } = error;
    return new HttpError(409, 'config-disabled', 'Config disabled', error.message, { field: 'configId', configId, disabledReason });
  }
  if (error instanceof ConfigDeletedError) return new HttpError(409, 'config-deleted', 'Config deleted', error.message, { field: 'configId', configId: error.configId });
  if (error instanceof SignatureVerificationError) return new HttpError(401, 'signature', 'Signature verification failed', error.message);
  return undefined;
}

const PG_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);

export function isPostgresUnavailable(error: unknown): boolean {
  const err = error as { code?: string; message?: string; errors?: unknown[] } | undefined;
  if (!err) return false;
  if (err.code && PG_UNAVAILABLE_CODES.has(err.code)) return true;
  if (Array.isArray(err.errors) && err.errors.some(isPostgresUnavailable)) return true;
  const message = err.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i.test(message);
}

/** gRPC UNAVAILABLE (14) or DEADLINE_EXCEEDED (4) from the Temporal client, or its connection errors. */
export function isTemporalUnavailable(error: unknown): boolean {
  const err = error as { code?: unknown; name?: string; cause?: unknown } | undefined;
  if (!err) return false;
  if (err.code === 14 || err.code === 4) return true;
  if (err.name === 'ServiceError' || err.name === 'TransportError') return err.cause ? isTemporalUnavailable(err.cause) : true;
  return false;
}

export function sendProblem(res: Response, status: number, body: Record<string, unknown>): void {
  res.status(status).type('application/problem+json').json(body);
}

/** The one place where errors become HTTP answers (RFC 9457 problem+json). */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const requestId = res.locals.requestId as string | undefined;
    const instance = req.originalUrl;
    let known: HttpError | undefined;
    if (error instanceof HttpError) known = error;
    else if (error instanceof DomainError) known = httpErrorOf(error);
    else if (error instanceof ZodError) known = validationErrorFromZod(error);
    else if (isBodyParserError(error)) known = fromBodyParser(error);
    else if (isPostgresUnavailable(error)) known = new DependencyUnavailableError('postgres');
    else if (isTemporalUnavailable(error)) known = new DependencyUnavailableError('temporal');

    if (known) {
      if (known.status >= 500) logger.warn({ requestId, err: error }, known.message);
      if (known.status === 503) res.setHeader('retry-after', '5');
      if (known instanceof RateLimitedError) res.setHeader('retry-after', String(known.retryAfterSeconds));
      if (known instanceof UnauthorizedError) res.setHeader('www-authenticate', 'Bearer');
      sendProblem(res, known.status, {
        type: PROBLEM_BASE + known.slug,
        title: known.title,
        status: known.status,
        detail: known.message,
        instance,
        requestId,
        ...known.extra,
      });
      return;
    }
    logger.error({ requestId, err: error }, 'unhandled error');
    sendProblem(res, 500, {
      type: PROBLEM_BASE + 'internal',
      title: 'Internal server error',
      status: 500,
      detail: 'an unexpected error occurred; quote the request id when reporting it',
      instance,
      requestId,
    });
  };
}

interface BodyParserError {
  type: string;
  status?: number;
  limit?: number;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return typeof (error as BodyParserError | undefined)?.type === 'string' && typeof (error as BodyParserError).status === 'number';
}

function fromBodyParser(error: BodyParserError): HttpError {
  switch (error.type) {
    case 'entity.too.large':
      return new HttpError(413, 'payload-too-large', 'Payload too large', `request body exceeds ${error.limit ?? 'the'} bytes`, { field: '(body)' });
    case 'entity.parse.failed':
      return new BadRequestError('request body is not valid JSON', '(body)');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'unsupported-media-type', 'Unsupported media type', 'unsupported body encoding', { field: '(body)' });
    default:
      return new BadRequestError('malformed request body', '(body)');
  }
}
