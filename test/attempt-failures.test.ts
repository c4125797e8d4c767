/**
 * How an attempt that did not deliver is handed to Temporal, decided without servers: the type the
 * workflow acts on, whether the server may retry it, and the wait it is given.
 */
import { ApplicationFailureCategory } from '@temporalio/common';
import { answerFailure, attemptErrorFailure, heldBackFailure, stopFailure } from '../src/activities/attempt/failures';
import type { AttemptRecord } from '../src/db/attempts';
import { FailureType } from '../src/shared/temporal';

const record = (overrides: Partial<AttemptRecord> = {}): AttemptRecord => ({
  deliveryId: 'd-1',
  attemptToken: '9c1e3f4a-0000-4000-8000-000000000001',
  orgId: 'acme',
  configId: 'main',
  circuit: { threshold: 10, cooldownMs: 30_000 },
  startedAt: new Date(0),
  durationMs: 12,
  statusCode: 503,
  errorClass: 'http_status',
  error: 'HTTP 503',
  responseBody: null,
  status: 'retrying',
  nextAttemptAt: null,
  ...overrides,
});
const facts = { statusCode: 503, errorClass: 'http_status', attempt: 4 };

test('every retryable failure carries its wait explicitly, and the facts of the attempt', () => {
  expect(answerFailure({ kind: 'retry', delayMs: 20_000 }, record(), 4)).toMatchObject({
    type: FailureType.HTTP_STATUS,
    nonRetryable: false,
    nextRetryDelay: 20_000,
    details: [facts],
  });
  expect(answerFailure({ kind: 'retry', delayMs: 10_000 }, record({ statusCode: null, errorClass: 'timeout', error: 'no response' }), 1)).toMatchObject({
    type: FailureType.NETWORK,
    nextRetryDelay: 10_000,
  });
  expect(attemptErrorFailure(new Error('Postgres unreachable'), { kind: 'wait', delayMs: 10_000 }, facts)).toMatchObject({
    type: FailureType.ATTEMPT_ERROR,
    message: 'Postgres unreachable',
    nonRetryable: false,
    nextRetryDelay: 10_000,
  });
  expect(heldBackFailure('concurrency', { kind: 'wait', delayMs: 1_500 }, facts)).toMatchObject({
    type: FailureType.THROTTLED,
    message: 'held back: concurrency',
    nonRetryable: false,
    nextRetryDelay: 1_500,
    category: ApplicationFailureCategory.BENIGN,
  });
});

test('a spent window, a gone endpoint, a blocked destination and a stop are not retried by the server', () => {
  expect(answerFailure({ kind: 'window_spent', delayMs: 60_000 }, record(), 4)).toMatchObject({
    type: FailureType.WINDOW_SPENT,
    message: 'retry window spent; last error: HTTP 503',
    nonRetryable: true,
    details: [facts],
  });
  expect(heldBackFailure('rate_limited', { kind: 'window_spent', delayMs: 5_000 }, facts)).toMatchObject({
    type: FailureType.WINDOW_SPENT,
    message: 'retry window spent; held back: rate limited',
    nonRetryable: true,
  });
  expect(attemptErrorFailure(new Error('no key abc'), { kind: 'window_spent', delayMs: 10_000 }, facts)).toMatchObject({
    type: FailureType.WINDOW_SPENT,
    message: 'retry window spent; last error: no key abc',
    nonRetryable: true,
  });
  expect(answerFailure({ kind: 'gone' }, record({ statusCode: 410, error: 'HTTP 410' }), 1)).toMatchObject({ type: FailureType.GONE, nonRetryable: true });
  expect(answerFailure({ kind: 'blocked' }, record({ statusCode: null, errorClass: 'destination_blocked', error: '10.0.0.1 is a blocked address' }), 1)).toMatchObject({
    type: FailureType.DESTINATION_BLOCKED,
    message: '10.0.0.1 is a blocked address',
    nonRetryable: true,
  });
  expect(stopFailure({ kind: 'stop', type: FailureType.CONFIG_DISABLED, message: 'config main was deleted' })).toMatchObject({
    type: FailureType.CONFIG_DISABLED,
    nonRetryable: true,
  });
});
