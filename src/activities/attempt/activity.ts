/**
 * The attempt activity: glue between Postgres, the receiver and Temporal. Each decision is a plain
 * step of its own (readiness, prepare, request, outcome, observe, record, failures).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { createReceiverAuth } from '../../core/receiver-auth';
import type { SecretBox } from '../../core/secret-box';
import { admitAttempt, HEALTH_AFTER_ATTEMPT } from '../../core/endpoint-health';
import type { Logger } from '../../logger';
import type { Metrics } from '../../observability/metrics';
import type { RetrySettings } from '../../shared/settings';
import { DeliveryNetworkError, type HttpClient, type PostResult } from '../../core/http';
import { answerFailure, attemptErrorFailure, type AttemptFacts, heldBackFailure, stopFailure } from './failures';
import { observeAnswer } from './observe';
import { type AttemptOutcome, classifyAnswer, errorOutcome, heldBackOutcome, parseRetryAfter } from './outcome';
import { type PreparedRequest, prepareRequest, type ReadyContext } from './prepare';
import { type Answer, attemptRecord } from './record';
import { admission, type Readiness, readiness, type Stop } from './readiness';
import type { DeliveryRequest } from './request';
import { type AttemptRecord, recordAttempt } from '../../db/attempts';
import { markDeadLetterRetried } from '../../db/dead-letters';
import { loadDeliveryContext } from '../../db/deliveries';
import { releaseLease } from '../../db/leases';
import { type Pool } from '../../db/pool';
import { createTransformCache } from '../../delivery/transform';

/** A lease outlives its attempt's HTTP timeout by this much before another attempt may take the slot. */
const LEASE_MARGIN_MS = 15_000;
/** An attempt heartbeats this often, so a crashed worker's attempt is retried within the heartbeat timeout. */
export const HEARTBEAT_EVERY_MS = 2_000;
/** How long an attempt keeps trying to write a 2xx before it hands the answer to the workflow. */
export const RECORD_RETRY_BUDGET_MS = 10_000;
/** Each write gives up after this long (a connection that hangs instead of failing), and is tried again. */
const RECORD_TRY_TIMEOUT_MS = 5_000;
/** Kept in hand before the attempt's start-to-close: the attempt ends itself, the server never times it out. */
const START_TO_CLOSE_MARGIN_MS = 10_000;

export interface AttemptInput {
  deliveryId: string;
  retry: RetrySettings;
  /** Epoch milliseconds at which the current retry window closes. */
  windowEndsAt: number;
  /** A person asked for this window: its first attempt goes through an open circuit. */
  forced?: boolean;
  /**
   * Tries of this window made before this activity's own: 1 after a first attempt run as a local
   * activity. Temporal counts this activity's tries from 1 again; backoff counts them all.
   */
  priorTries?: number;
}

export interface AttemptResult {
  attempt: number;
  statusCode: number;
  durationMs: number;
  /**
   * Set when Postgres could not take the 2xx in time: the workflow records it (recordAnswer), retrying
   * until Postgres answers. The POST is never sent again for it.
   */
  unrecorded?: UnrecordedAnswer;
}

/** A delivered answer, as the workflow hands it back to be written. Nothing of the payload or response. */
export interface UnrecordedAnswer {
  deliveryId: string;
  attemptToken: string;
  orgId: string;
  configId: string;
  startedAt: string;
  durationMs: number;
  statusCode: number;
}

export interface AttemptDeps {
  pool: Pool;
  http: HttpClient;
  box: SecretBox;
  config: Pick<Config, 'CIRCUIT_BREAKER_THRESHOLD' | 'CIRCUIT_BREAKER_COOLDOWN' | 'THROTTLE_RETRY_DELAY'>;
  userAgent: string;
  logger: Logger;
  metrics: Metrics;
  /** A 410 disables the config: the delivery stops, and so do the config's other deliveries. */
  disableGoneConfig(orgId: string, configId: string): Promise<void>;
}

export function createAttemptActivity(deps: AttemptDeps) {
  const receiverAuth = createReceiverAuth({ http: deps.http });
  const transforms = createTransformCache();
  const circuit = { threshold: deps.config.CIRCUIT_BREAKER_THRESHOLD, cooldownMs: deps.config.CIRCUIT_BREAKER_COOLDOWN };

  /** What is known of the delivery once its context is loaded, for a failure that comes later. */
  interface Known {
    windowAttempts: number;
    facts: AttemptFacts;
  }

  /**
   * Writes an attempt's answer, trying again while Postgres is unreachable, until `deadline`.
   * The attempt token makes a write that did commit, but whose reply was lost, count once.
   */
  async function recordPersistently(record: AttemptRecord, deadline: number): Promise<number | undefined> {
    for (let pause = 250; ; pause = Math.min(pause * 2, 2_000)) {
      try {
        return await withTimeout(recordAttempt(deps.pool, record, HEALTH_AFTER_ATTEMPT), RECORD_TRY_TIMEOUT_MS);
      } catch (error) {
        if (Date.now() + pause >= deadline) {
          deps.logger.warn({ err: error, deliveryId: record.deliveryId }, 'answer not recorded yet; handed to the workflow');
          return undefined;
        }
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /** Loads the delivery and says whether it is to be attempted; a delivery that may not be stops the run. */
  async function loadReady(input: AttemptInput, known: Known): Promise<Exclude<Readiness, Stop>> {
    const loaded = await loadDeliveryContext(deps.pool, input.deliveryId, new Date(input.windowEndsAt - input.retry.windowMs));
    if (loaded) {
      known.windowAttempts = loaded.window_attempts;
      known.facts = { statusCode: loaded.last_status_code, errorClass: null, attempt: loaded.attempt_count };
    }
    const ready = readiness(input.deliveryId, loaded);
    if (ready.kind === 'stop') throw stopFailure(ready);
    return ready;
  }

  /**
   * Takes a slot of the config (concurrency, rate, circuit) under the attempt's own lease; one not given
   * stops the run (config gone) or throws a held-back failure whose wait the workflow honours.
   */
  async function admit(activity: Context, input: AttemptInput, ctx: ReadyContext, request: DeliveryRequest, attemptToken: string, known: Known): Promise<void> {
    const admitted = await admitAttempt(deps.pool, {
      orgId: ctx.org_id,
      configId: ctx.config_id,
      deliveryId: ctx.delivery_id,
      attemptToken,
      leaseMs: request.timeoutMs + LEASE_MARGIN_MS,
      cooldownMs: deps.config.CIRCUIT_BREAKER_COOLDOWN,
      force: input.forced === true && activity.info.attempt === 1,
    });
    const verdict = admission(ctx.config_id, admitted.decision);
    if (verdict.kind === 'stop') throw stopFailure(verdict);
    if (verdict.kind === 'held_back') {
      const wait = heldBackOutcome({
        decision: verdict.decision,
        waitMs: admitted.waitMs,
        throttleDelayMs: deps.config.THROTTLE_RETRY_DELAY,
        // Temporal's attempt counter counts held-back waits and HTTP attempts alike.
        turnedAway: triesOf(activity, input) - ctx.window_attempts,
        realAttempts: ctx.window_attempts,
        retry: input.retry,
        windowEndsAt: input.windowEndsAt,
        now: Date.now(),
        jitter: Math.random(),
      });
      deps.metrics.countAttempt('held_back');
      throw heldBackFailure(verdict.decision, wait, known.facts);
    }
  }

  /**
   * The POST, unless the attempt was cancelled before it: then the slot is freed and the cancellation
   * goes through. A network failure is an answer too; any other error frees the slot and is thrown.
   */
  async function send(activity: Context, ctx: ReadyContext, prepared: PreparedRequest, attemptToken: string): Promise<Answer> {
    if (activity.cancellationSignal.aborted) {
      await releaseLease(deps.pool, attemptToken).catch(() => undefined);
      throw activity.cancellationSignal.reason;
    }
    const startedAt = new Date();
    let result: PostResult | undefined;
    let failure: DeliveryNetworkError | undefined;
    try {
      result = await receiverAuth.post({
        ...prepared.request,
        cancel: abortUnlessRetried(activity),
        auth: prepared.auth,
        claims: { jti: ctx.delivery_id, sub: ctx.org_id },
      });
    } catch (error) {
      if (!(error instanceof DeliveryNetworkError)) {
        await releaseLease(deps.pool, attemptToken).catch(() => undefined);
        throw error;
      }
      failure = error;
    }
    return { startedAt, durationMs: Date.now() - startedAt.getTime(), result, failure };
  }

  /** What the answer means for the delivery: delivered, retried after a wait, or stopped. */
  function classify(input: AttemptInput, ctx: ReadyContext, answer: Answer): AttemptOutcome {
    const { result, failure } = answer;
    return classifyAnswer({
      statusCode: result?.statusCode ?? null,
      errorClass: failure?.errorClass ?? null,
      retryAfterMs: result ? parseRetryAfter(result.statusCode, result.headers, Date.now()) : null,
      // Backoff counts HTTP attempts only: this one, and those of the window before it.
      realAttempts: ctx.window_attempts + 1,
      retry: input.retry,
      windowEndsAt: input.windowEndsAt,
      now: Date.now(),
    });
  }

  /**
   * Writes the answer, then ends the attempt: a 2xx returns (handed to the workflow when it could not be
   * written), a 410 disables the config, any other answer throws the failure the workflow acts on.
   */
  async function conclude(
    activity: Context,
    began: number,
    ctx: ReadyContext,
    answer: Answer,
    outcome: AttemptOutcome,
    attemptToken: string,
  ): Promise<AttemptResult> {
    const record = attemptRecord(ctx, answer, outcome, circuit, attemptToken, Date.now());
    // The delivery's ids and the request that published it come from the activity's log fields.
    deps.logger.debug({ statusCode: record.statusCode, errorClass: record.errorClass, durationMs: answer.durationMs, outcome: outcome.kind }, 'attempt');
    const deadline = Math.min(Date.now() + RECORD_RETRY_BUDGET_MS, began + activity.info.startToCloseTimeoutMs - START_TO_CLOSE_MARGIN_MS);
    const attempt = await recordPersistently(record, deadline);
    if (outcome.kind === 'delivered') {
      deps.metrics.countDelivery('delivered');
      const statusCode = record.statusCode as number;
      if (attempt !== undefined) return { attempt, statusCode, durationMs: answer.durationMs };
      // Received is received: this answer is never re-sent because bookkeeping failed.
      const unrecorded: UnrecordedAnswer = {
        deliveryId: ctx.delivery_id,
        attemptToken,
        orgId: ctx.org_id,
        configId: ctx.config_id,
        startedAt: answer.startedAt.toISOString(),
        durationMs: answer.durationMs,
        statusCode,
      };
      return { attempt: ctx.attempt_count + 1, statusCode, durationMs: answer.durationMs, unrecorded };
    }
    // A failed answer that could not be written is retried like an attempt that could not be made.
    if (attempt === undefined) {
      await releaseLease(deps.pool, attemptToken).catch(() => undefined);
      throw new AnswerNotRecordedError(`HTTP answer not recorded: ${record.error ?? 'failed'}`);
    }
    if (outcome.kind === 'gone') await deps.disableGoneConfig(ctx.org_id, ctx.config_id);
    throw answerFailure(outcome, record, attempt);
  }

  /** One attempt, step by step: load, prepare, admit, send, observe, classify, record and conclude. */
  async function attemptOnce(input: AttemptInput, known: Known): Promise<AttemptResult> {
    const activity = Context.current();
    const began = Date.now();
    const ready = await loadReady(input, known);
    if (ready.kind === 'delivered') return { attempt: ready.attempt, statusCode: ready.statusCode, durationMs: 0 };
    const { ctx } = ready;
    // A dead letter attempted by a run that never recorded its retry: a new run after the first one ended
    // abnormally (or one the reconciler took for stranded). The row takes the retry now, so that this
    // attempt's answer counts; a run retried by signal has done so already.
    if (ctx.status === 'dead_lettered') await markDeadLetterRetried(deps.pool, ctx.delivery_id);
    // Each attempt holds a lease of its own, so it frees its own slot and never another attempt's.
    const attemptToken = randomUUID();
    const prepared = await prepareRequest({ box: deps.box, userAgent: deps.userAgent, transforms }, ctx, known.facts);
    await admit(activity, input, ctx, prepared.request, attemptToken, known);
    const answer = await send(activity, ctx, prepared, attemptToken);
    observeAnswer(deps.metrics, ctx, answer);
    const outcome = classify(input, ctx, answer);
    return conclude(activity, began, ctx, answer, outcome, attemptToken);
  }

  return {
    /** One signed POST of one delivery. Throws an ApplicationFailure that the RetryPolicy acts on. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const known: Known = { windowAttempts: 0, facts: { statusCode: null, errorClass: null, attempt: 0 } };
      // Every phase heartbeats, the writes to Postgres as much as the POST. A local activity has no
      // heartbeats: the worker running it is the one running its workflow task.
      const heartbeat = Context.current().info.isLocal ? undefined : setInterval(() => Context.current().heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await attemptOnce(input, known);
      } catch (error) {
        const activity = Context.current();
        if (error instanceof ApplicationFailure || error instanceof CancelledFailure) throw error;
        // Anything else gets a wait of its own and ends with the window too, instead of the server's
        // policy retrying it on its own clock.
        const wait = errorOutcome({
          tries: triesOf(activity, input) - known.windowAttempts,
          retry: input.retry,
          windowEndsAt: input.windowEndsAt,
          now: Date.now(),
        });
        throw attemptErrorFailure(error instanceof Error ? error : new Error(String(error)), wait, known.facts);
      } finally {
        clearInterval(heartbeat);
      }
    },

    /** Writes a 2xx that its attempt could not write: retried by the workflow until Postgres answers. */
    async recordAnswer(answer: UnrecordedAnswer): Promise<number> {
      return recordAttempt(deps.pool, {
        deliveryId: answer.deliveryId,
        attemptToken: answer.attemptToken,
        orgId: answer.orgId,
        configId: answer.configId,
        circuit,
        startedAt: new Date(answer.startedAt),
        durationMs: answer.durationMs,
        statusCode: answer.statusCode,
        errorClass: null,
        error: null,
        // The response body stayed with the attempt: only ids and numbers travel through Temporal.
        responseBody: null,
        status: 'delivered',
        nextAttemptAt: null,
      }, HEALTH_AFTER_ATTEMPT);
    },
  };
}

/** Tries of the current window so far, this one included. */
const triesOf = (activity: Context, input: AttemptInput): number => activity.info.attempt + (input.priorTries ?? 0);

/** A failed answer that Postgres could not take within the attempt. */
export class AnswerNotRecordedError extends Error {
  override readonly name = 'AnswerNotRecordedError';
}

/** Rejects after `ms` if `work` has not settled: a write that hangs is tried again, not waited on forever. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from Postgres within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Aborts the POST when the worker shuts down or the server gave up on the attempt, but not when the
 * workflow cancels it for a retry a person asked for: a POST once started is finished and recorded,
 * so a retry never puts two POSTs of one delivery on the wire at once.
 */
function abortUnlessRetried(activity: Context): AbortSignal {
  const controller = new AbortController();
  const onCancel = () => {
    if (!activity.cancellationDetails?.cancelRequested) controller.abort(activity.cancellationSignal.reason);
  };
  if (activity.cancellationSignal.aborted) onCancel();
  else activity.cancellationSignal.addEventListener('abort', onCancel, { once: true });
  return controller.signal;
}
