/**
 * How an attempt that did not deliver reaches Temporal: ApplicationFailures whose type the workflow
 * and the RetryPolicy act on, each retryable one with its wait set explicitly.
 */
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { FailureType } from '../../shared/temporal';
import type { AttemptRecord } from '../../db/attempts';
import type { AttemptOutcome, HeldBackOutcome } from './outcome';
import type { Stop } from './readiness';

/** What the workflow learns of the last attempt when a window ends. */
export interface AttemptFacts {
  statusCode: number | null;
  errorClass: string | null;
  attempt: number;
  /**
   * The wait before the next try, on a retryable failure. The RetryPolicy reads it from `nextRetryDelay`;
   * a workflow that schedules the next try itself (after a local first attempt) reads it here, because
   * `nextRetryDelay` does not travel back to workflow code.
   */
  retryInMs?: number;
}

export function stopFailure(stop: Stop): ApplicationFailure {
  return ApplicationFailure.create({ type: stop.type, message: stop.message, nonRetryable: true });
}

/** Nothing was sent and no attempt recorded: the delivery waits, as a retry, without holding a slot. */
export function heldBackFailure(decision: string, wait: HeldBackOutcome, facts: AttemptFacts): ApplicationFailure {
  const heldBack = `held back: ${decision.replace('_', ' ')}`;
  if (wait.kind === 'window_spent') {
    return ApplicationFailure.create({ type: FailureType.WINDOW_SPENT, message: `retry window spent; ${heldBack}`, details: [facts], nonRetryable: true });
  }
  return ApplicationFailure.create({
    type: FailureType.THROTTLED,
    message: heldBack,
    details: [{ ...facts, retryInMs: wait.delayMs }],
    nextRetryDelay: wait.delayMs,
    // Expected and frequent under load: logged at debug, left out of failure metrics.
    category: ApplicationFailureCategory.BENIGN,
  });
}

/** The failure of an attempt that was sent and recorded, and did not deliver. */
export function answerFailure(outcome: Exclude<AttemptOutcome, { kind: 'delivered' }>, record: AttemptRecord, attempt: number): ApplicationFailure {
  const message = record.error ?? 'failed';
  const details: AttemptFacts[] = [{ statusCode: record.statusCode, errorClass: record.errorClass, attempt }];
  switch (outcome.kind) {
    case 'blocked':
      // An internal address is never retried into: the delivery is dead-lettered now.
      return ApplicationFailure.create({ type: FailureType.DESTINATION_BLOCKED, message, details, nonRetryable: true });
    case 'gone':
      return ApplicationFailure.create({ type: FailureType.GONE, message: 'endpoint answered 410 Gone; config disabled', details, nonRetryable: true });
    case 'window_spent':
      return ApplicationFailure.create({ type: FailureType.WINDOW_SPENT, message: `retry window spent; last error: ${message}`, details, nonRetryable: true });
    case 'attempts_spent':
      // Ends the window as a spent one does: a dead letter, retryable by a person for another window.
      return ApplicationFailure.create({
        type: FailureType.WINDOW_SPENT,
        message: `all ${outcome.maxAttempts} attempts of the config's retry policy made; last error: ${message}`,
        details,
        nonRetryable: true,
      });
    case 'retry':
      // The wait is always given: the server's own backoff would count held-back waits as attempts.
      return ApplicationFailure.create({
        type: record.statusCode === null ? FailureType.NETWORK : FailureType.HTTP_STATUS,
        message,
        details: [{ ...details[0], retryInMs: outcome.delayMs }],
        nextRetryDelay: outcome.delayMs,
      });
  }
}

/** The config's payload template failed: nothing was sent, and sending again would fail the same way. */
export function transformFailure(message: string, facts: AttemptFacts): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.TRANSFORM_FAILED, message, details: [facts], nonRetryable: true });
}

/** An attempt that could not be made: retried after its wait, or the end of the window. */
export function attemptErrorFailure(error: Error, wait: HeldBackOutcome, facts: AttemptFacts): ApplicationFailure {
  if (wait.kind === 'window_spent') {
    return ApplicationFailure.create({ type: FailureType.WINDOW_SPENT, message: `retry window spent; last error: ${error.message}`, details: [facts], nonRetryable: true });
  }
  return ApplicationFailure.create({
    type: FailureType.ATTEMPT_ERROR,
    message: error.message,
    details: [{ ...facts, retryInMs: wait.delayMs }],
    nextRetryDelay: wait.delayMs,
  });
}
