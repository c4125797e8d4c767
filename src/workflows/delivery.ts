/** The delivery workflow: one (event, config) pair, attempted until delivered, dead-lettered or expired. */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  TimeoutFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AttemptResult, createActivities } from '../activities';
import { RETRIES_PER_RUN } from '../shared/retry-policy';
import {
  attemptReportSignal,
  type DeliveryStatus,
  type DeliveryStatusView,
  type DeliveryWorkflowInput,
  deliveryFairnessKey,
  FailureType,
  NON_RETRYABLE_FAILURE_TYPES,
  retrySignal,
  searchAttributes,
  statusQuery,
} from '../shared/temporal';

type Activities = ReturnType<typeof createActivities>;

/** Longest single attempt: the largest config timeout (30 s) plus time for Postgres and signing. */
const ATTEMPT_START_TO_CLOSE_MS = 60_000;
const ATTEMPT_START_TO_CLOSE = '60s';
/**
 * The activity ends the window itself (WindowSpent) and never schedules an attempt past it, so the
 * last attempt of a window may start just before its end and run its full start-to-close. Beyond
 * that, this margin only stops attempts that a crashed worker left to the server's own retries.
 */
const ATTEMPT_SAFETY_MARGIN_MS = 2 * ATTEMPT_START_TO_CLOSE_MS;
/** An attempt heartbeats through every phase; a silent one (its worker died) is retried after this. */
const ATTEMPT_HEARTBEAT_TIMEOUT = '10s';

/** Bookkeeping writes to Postgres: retried until Postgres answers, they never give up on a delivery. */
const bookkeeping = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * The first attempt of a delivery, when its input asks for it: a local activity, run by the worker
 * that runs the first workflow task, so that a delivery whose first POST succeeds costs no activity task
 * on the server. Same activity, same start-to-close, the same SSRF guard and signing. It is never
 * retried locally: a retryable failure hands over to regular activities and the server's retry policy.
 */
const localFirstAttempt = proxyLocalActivities<Activities>({
  startToCloseTimeout: ATTEMPT_START_TO_CLOSE,
  retry: { maximumAttempts: 1 },
});

/**
 * Patch ids: each guards a change to the command sequence, so that deliveries opened by an earlier version
 * replay their recorded history unchanged (docs/operations.md, "Upgrading while deliveries are open").
 */
export const PATCHES = {
  /** A retry signalled while the dead letter is written, or while it is marked expired, is honoured. */
  keepRetryRequests: 'keep-retry-requests',
  /** Every attempt gets its full start-to-close: the window no longer cuts a running attempt short. */
  attemptFullStartToClose: 'attempt-full-start-to-close',
  /** A retry cuts short only a wait in backoff: a running attempt finishes (and is recorded) first. */
  finishRunningAttempt: 'finish-running-attempt',
  /** A 2xx that Postgres could not take during its attempt is written by the workflow, never re-sent. */
  recordUnrecordedAnswer: 'record-unrecorded-answer',
  /** After RETRIES_PER_RUN retries by a person, the run continues as new, carrying its window and state. */
  continueAsNewAfterRetries: 'continue-as-new-after-retries',
  /** A cancelled delivery records a dead letter (retryable in a new run) before its run ends as cancelled. */
  recordCancellation: 'record-cancellation',
  /** The first attempt runs as a local activity when the input asks for it (`firstAttemptLocal`). */
  localFirstAttempt: 'local-first-attempt',
} as const;

type WindowOutcome = { kind: 'delivered'; statusCode: number } | { kind: 'failed'; reason: string; statusCode: number | null };

export interface DeliveryWorkflowResult {
  status: DeliveryStatus;
  attempts: number;
}

/**
 * One (event, config) pair. Attempts are retried by the server through the activity's RetryPolicy
 * (exponential backoff inside a window, 24 h by default), with the wait the activity computes; they add
 * no history events. A spent window becomes a dead letter that stays retryable through the `retry`
 * signal until it expires. After RETRIES_PER_RUN retries by a person the run continues as new.
 *
 * The `status` query answers what the workflow itself knows: the outcome of its last window. Each
 * attempt is in Postgres (the API reads it there).
 */
export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<DeliveryWorkflowResult> {
  const view: DeliveryStatusView = {
    state: 'pending',
    attempts: input.resume?.attempts ?? 0,
    nextAttemptAt: null,
    lastError: input.resume?.lastError ?? null,
    lastStatusCode: input.resume?.lastStatusCode ?? null,
    windowEndsAt: null,
    deadLetterExpiresAt: null,
  };
  const fairnessKey = deliveryFairnessKey(input.orgId, input.configId);
  // Retry requests are counted, not flagged: one that arrives while an activity runs is never cleared
  // by the code that runs after it.
  let retriesRequested = 0;
  let retriesTaken = 0;
  const retryPending = (): boolean => retriesRequested > retriesTaken;
  const takeRetries = (): void => {
    retriesTaken = retriesRequested;
  };

  const setState = (state: DeliveryStatus): void => {
    if (view.state === state) return;
    view.state = state;
    upsertSearchAttributes([{ key: searchAttributes.deliveryStatus, value: state }]);
  };

  setHandler(statusQuery, () => ({ ...view }));
  setHandler(retrySignal, (request) => {
    log.info('retry requested', { reason: request?.reason ?? null });
    retriesRequested += 1;
  });
  // No longer sent; kept so that histories holding such signals replay unchanged.
  setHandler(attemptReportSignal, (report) => {
    view.attempts = Math.max(view.attempts, report.attempt);
    view.lastError = report.error;
    view.lastStatusCode = report.statusCode;
    view.nextAttemptAt = report.nextAttemptAt;
    if (view.state === 'pending') setState('retrying');
  });

  /** Past RETRIES_PER_RUN retries by a person, the rest of the delivery goes on in a new run. */
  async function continueAsNewIfLong(windowEndsAt: number): Promise<void> {
    if (retriesRequested < RETRIES_PER_RUN && !workflowInfo().continueAsNewSuggested) return;
    if (!patched(PATCHES.continueAsNewAfterRetries)) return;
    await continueAsNew<typeof deliveryWorkflow>({
      ...input,
      resume: { windowEndsAt, attempts: view.attempts, lastError: view.lastError, lastStatusCode: view.lastStatusCode },
    });
  }

  async function delivered(result: AttemptResult): Promise<WindowOutcome> {
    if (result.unrecorded && patched(PATCHES.recordUnrecordedAnswer)) await bookkeeping.recordAnswer(result.unrecorded);
    view.attempts = Math.max(view.attempts, result.attempt);
    view.lastStatusCode = result.statusCode;
    view.nextAttemptAt = null;
    return { kind: 'delivered', statusCode: result.statusCode };
  }

  function failed(error: unknown): WindowOutcome {
    const facts = attemptFacts(error);
    if (facts.attempt !== null) view.attempts = Math.max(view.attempts, facts.attempt);
    return { kind: 'failed', reason: describeFailure(error), statusCode: facts.statusCode };
  }

  /**
   * The delivery's first attempt, run locally. Delivered, or failed for good, ends the window; a
   * retryable failure waits the activity's own backoff (cut short by a retry request), and the window
   * goes on with regular activities.
   */
  async function attemptFirstLocally(windowEndsAt: number): Promise<WindowOutcome | { kind: 'go-on'; forced: boolean }> {
    view.windowEndsAt = new Date(windowEndsAt).toISOString();
    let waitMs: number;
    try {
      const result = await localFirstAttempt.attemptDelivery({ deliveryId: input.deliveryId, retry: input.retry, windowEndsAt, forced: false });
      return await delivered(result);
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (endsDelivery(error) || isWindowSpent(error)) return failed(error);
      const facts = attemptFacts(error);
      if (facts.attempt !== null) view.attempts = Math.max(view.attempts, facts.attempt);
      if (facts.statusCode !== null) view.lastStatusCode = facts.statusCode;
      view.lastError = error instanceof ActivityFailure ? (error.cause?.message ?? error.message) : String(error);
      waitMs = Math.max(facts.retryInMs ?? input.retry.initialIntervalMs, 0);
    }
    view.nextAttemptAt = new Date(Date.now() + waitMs).toISOString();
    setState('retrying');
    const retried = await condition(retryPending, waitMs);
    return { kind: 'go-on', forced: retried };
  }

  /** Attempts until delivered, until a non-retryable failure, or until the window is spent. */
  async function deliverWithinWindow(windowEndsAt: number, forcedFirst: boolean, priorTries = 0): Promise<WindowOutcome> {
    view.windowEndsAt = new Date(windowEndsAt).toISOString();
    let forced = forcedFirst;
    let tries = priorTries;
    for (;;) {
      takeRetries();
      // A retry asked for at the very end of a window still gets one full attempt.
      const remainingMs = Math.max(windowEndsAt - Date.now(), 1_000);
      // Before the patch the window's end cut the running attempt short, and its late answer was
      // written over the dead letter.
      const fullStartToClose = patched(PATCHES.attemptFullStartToClose);
      // Before the patch a retry started a new attempt at once, while the old POST could still run.
      const finishRunning = patched(PATCHES.finishRunningAttempt);
      const { attemptDelivery } = proxyActivities<Activities>({
        startToCloseTimeout: ATTEMPT_START_TO_CLOSE,
        heartbeatTimeout: ATTEMPT_HEARTBEAT_TIMEOUT,
        scheduleToCloseTimeout: fullStartToClose ? remainingMs + ATTEMPT_SAFETY_MARGIN_MS : remainingMs,
        // In backoff the server cancels the attempt at once; a running one sees the request at its next
        // heartbeat, finishes its POST and reports its real outcome.
        cancellationType: finishRunning ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL,
        // One key per config: on a server with task queue fairness, a config's backlog (held-back waits
        // included, they are retries of this activity) takes its turn beside the others instead of ahead
        // of them. Replay compares an activity's id and type only, so histories scheduled without it replay.
        priority: { fairnessKey },
        retry: {
          initialInterval: input.retry.initialIntervalMs,
          backoffCoefficient: input.retry.backoffCoefficient,
          maximumInterval: input.retry.maximumIntervalMs,
          nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
        },
      });

      const attemptScope = new CancellationScope();
      const attemptInput = { deliveryId: input.deliveryId, retry: input.retry, windowEndsAt, forced, ...(tries > 0 ? { priorTries: tries } : {}) };
      tries = 0;
      const attempt = attemptScope.run(() => attemptDelivery(attemptInput));
      const retryScope = new CancellationScope();
      const retry = retryScope.run(() => condition(retryPending));

      const winner = await Promise.race([
        attempt.then(
          (result) => ({ kind: 'delivered' as const, result }),
          (error: unknown) => ({ kind: 'error' as const, error }),
        ),
        retry.then(
          () => ({ kind: 'retry' as const }),
          () => ({ kind: 'retry-cancelled' as const }),
        ),
      ]);

      if (winner.kind === 'retry') {
        // Cut the backoff short: drop the pending attempt and start a fresh one at once.
        attemptScope.cancel();
        if (finishRunning) {
          const settled = await attempt.then(
            (result) => ({ kind: 'delivered' as const, result }),
            (error: unknown) => ({ kind: 'error' as const, error }),
          );
          // The attempt was running and delivered, or ended the delivery for good: the retry is moot.
          if (settled.kind === 'delivered') return await delivered(settled.result);
          if (endsDelivery(settled.error)) return failed(settled.error);
        } else {
          await attempt.catch(() => undefined);
        }
        forced = true;
        await continueAsNewIfLong(windowEndsAt);
        continue;
      }
      retryScope.cancel();
      await retry.catch(() => undefined);

      if (winner.kind === 'retry-cancelled' && patched(PATCHES.recordCancellation)) {
        // The run itself is being cancelled: the attempt's own end decides, whatever settled first.
        const settled = await attempt.then(
          (result) => ({ kind: 'delivered' as const, result }),
          (error: unknown) => ({ kind: 'error' as const, error }),
        );
        if (settled.kind === 'delivered') return await delivered(settled.result);
        if (isCancellation(settled.error)) throw settled.error;
        return failed(settled.error);
      }
      if (winner.kind === 'delivered') return await delivered(winner.result);
      if (winner.kind === 'error') {
        if (isCancellation(winner.error)) throw winner.error;
        return failed(winner.error);
      }
    }
  }

  try {
    return await deliverUntilDone();
  } catch (error) {
    if (!isCancellation(error) || !patched(PATCHES.recordCancellation)) throw error;
    // Cancelled by a person or a parent: the row becomes a dead letter with that reason, written even though
    // the run is cancelled, so the delivery is not left pending and can be retried (in a new run).
    await CancellationScope.nonCancellable(async () => {
      const expiresAt = Date.now() + input.deadLetterRetentionMs;
      await bookkeeping.recordDeadLetter({ deliveryId: input.deliveryId, reason: 'delivery workflow cancelled', expiresAt: new Date(expiresAt).toISOString() });
      view.deadLetterExpiresAt = new Date(expiresAt).toISOString();
      setState('dead_lettered');
    });
    throw error;
  }

  /** Windows until delivered or expired; a retry by a person opens a new window. */
  async function deliverUntilDone(): Promise<DeliveryWorkflowResult> {
    if (input.resume) setState('retrying');
    let windowEndsAt = input.resume?.windowEndsAt ?? Date.now() + input.retry.windowMs;
    for (let retriedByPerson = input.resume !== undefined; ; retriedByPerson = true) {
      let outcome: WindowOutcome;
      if (!retriedByPerson && input.firstAttemptLocal === true && patched(PATCHES.localFirstAttempt)) {
        const first = await attemptFirstLocally(windowEndsAt);
        outcome = first.kind === 'go-on' ? await deliverWithinWindow(windowEndsAt, first.forced, 1) : first;
      } else {
        outcome = await deliverWithinWindow(windowEndsAt, retriedByPerson);
      }
      if (outcome.kind === 'delivered') {
        setState('delivered');
        return { status: 'delivered', attempts: view.attempts };
      }

      const expiresAt = Date.now() + input.deadLetterRetentionMs;
      const record = await bookkeeping.recordDeadLetter({
        deliveryId: input.deliveryId,
        reason: outcome.reason,
        expiresAt: new Date(expiresAt).toISOString(),
      });
      view.attempts = Math.max(view.attempts, record.attemptCount);
      view.lastError = record.lastError ?? outcome.reason;
      if (outcome.statusCode !== null) view.lastStatusCode = outcome.statusCode;
      view.nextAttemptAt = null;
      view.windowEndsAt = null;
      view.deadLetterExpiresAt = new Date(expiresAt).toISOString();
      setState('dead_lettered');

      // Before the patch, a retry signalled while the dead letter was being written was dropped here.
      const keepRequests = patched(PATCHES.keepRetryRequests);
      if (!keepRequests) takeRetries();
      const retried = await condition(retryPending, Math.max(expiresAt - Date.now(), 1));
      if (!retried) {
        await bookkeeping.markExpired({ deliveryId: input.deliveryId });
        // A retry that arrived while the delivery was being marked expired still gets its window.
        if (!keepRequests || !retryPending()) {
          setState('expired');
          return { status: 'expired', attempts: view.attempts };
        }
      }
      await bookkeeping.markDeadLetterRetried({ deliveryId: input.deliveryId });
      view.deadLetterExpiresAt = null;
      setState('retrying');
      windowEndsAt = Date.now() + input.retry.windowMs;
      await continueAsNewIfLong(windowEndsAt);
    }
  }
}

/**
 * Whether an attempt that ended while a retry was asked for ends the delivery anyway: the endpoint is
 * gone, the config disabled or deleted, the destination blocked. A wait cut short, a failed answer or
 * a spent window do not: the retry gets its attempt.
 */
function endsDelivery(error: unknown): boolean {
  if (isCancellation(error)) return false;
  const cause = applicationFailureOf(error);
  return cause !== undefined && cause.type !== FailureType.WINDOW_SPENT && NON_RETRYABLE_FAILURE_TYPES.includes(cause.type ?? '');
}

/** A spent window, or any failure the activity marked non-retryable: no further try in this window. */
function isWindowSpent(error: unknown): boolean {
  const cause = applicationFailureOf(error);
  return cause !== undefined && (cause.type === FailureType.WINDOW_SPENT || cause.nonRetryable === true);
}

/** The ApplicationFailure an activity threw, wherever it sits in the cause chain. */
function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  for (let cause = error instanceof Error ? error : undefined; cause; cause = cause.cause instanceof Error ? cause.cause : undefined) {
    if (cause instanceof ApplicationFailure) return cause;
  }
  return undefined;
}

/**
 * Status code and attempt number of the last HTTP attempt, and the wait the activity asked for before
 * the next try, from a failure's details when it has them.
 */
function attemptFacts(error: unknown): { statusCode: number | null; attempt: number | null; retryInMs: number | null } {
  const details = applicationFailureOf(error)?.details?.[0] as { statusCode?: unknown; attempt?: unknown; retryInMs?: unknown } | undefined;
  return {
    statusCode: typeof details?.statusCode === 'number' ? details.statusCode : null,
    attempt: typeof details?.attempt === 'number' ? details.attempt : null,
    retryInMs: typeof details?.retryInMs === 'number' ? details.retryInMs : null,
  };
}

/** The reason recorded on a dead letter: the last failure and why retrying stopped. */
function describeFailure(error: unknown): string {
  // The activity's own failure, found through the chain: a local activity's failure may reach the
  // workflow without an ActivityFailure around it.
  if (error instanceof ActivityFailure && error.cause instanceof TimeoutFailure) return 'retry window spent';
  const cause = applicationFailureOf(error);
  if (cause) {
    if (cause.type === FailureType.WINDOW_SPENT) return cause.message;
    return NON_RETRYABLE_FAILURE_TYPES.includes(cause.type ?? '') || cause.nonRetryable
      ? `${cause.type ?? 'Error'}: ${cause.message}`
      : `retry window spent; last error: ${cause.message}`;
  }
  if (error instanceof ActivityFailure) return error.cause?.message ?? error.message;
  return error instanceof Error ? error.message : String(error);
}
