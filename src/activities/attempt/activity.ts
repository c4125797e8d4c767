/**
 * The attempt activity: glue between Postgres, the receiver and Temporal. Each decision is a plain
 * step of its own (readiness, outcome, request, record, failures).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { createConfigQueries } from '../../db/configs';
import { createDeliveryQueries } from '../../db/deliveries';
import type { Pool } from '../../db/pool';
import type { SecretBox } from '../../secrets/encryption';
import type { RetrySettings } from '../../shared/temporal';
import { DeliveryNetworkError, type HttpClient, type PostResult } from '../http';
import { createReceiverAuth, openReceiverAuth } from '../receiver-auth';
import { answerFailure, attemptErrorFailure, type AttemptFacts, heldBackFailure, stopFailure } from './failures';
import { classifyAnswer, errorOutcome, heldBackOutcome, parseRetryAfter } from './outcome';
import { type Answer, attemptRecord } from './record';
import { admission, readiness } from './readiness';
import { buildRequest, signingSecrets } from './request';

/** A lease outlives its attempt's HTTP timeout by this much before another attempt may take the slot. */
const LEASE_MARGIN_MS = 15_000;
/** An attempt in flight heartbeats this often, so a crashed worker's attempt is retried within the heartbeat timeout. */
export const HEARTBEAT_EVERY_MS = 2_000;

export interface AttemptInput {
  deliveryId: string;
  retry: RetrySettings;
  /** Epoch milliseconds at which the current retry window closes. */
  windowEndsAt: number;
  /** A person asked for this window: its first attempt goes through an open circuit. */
  forced?: boolean;
}

export interface AttemptResult {
  attempt: number;
  statusCode: number;
  durationMs: number;
}

export interface AttemptDeps {
  pool: Pool;
  http: HttpClient;
  box: SecretBox;
  config: Pick<Config, 'CIRCUIT_BREAKER_THRESHOLD' | 'CIRCUIT_BREAKER_COOLDOWN' | 'THROTTLE_RETRY_DELAY'>;
  userAgent: string;
  /** A 410 disables the config: the delivery stops, and so do the config's other deliveries. */
  disableGoneConfig(orgId: string, configId: string): Promise<void>;
}

export function createAttemptActivity(deps: AttemptDeps) {
  const deliveries = createDeliveryQueries(deps.pool);
  const configs = createConfigQueries(deps.pool);
  const receiverAuth = createReceiverAuth({ http: deps.http });
  const circuit = { threshold: deps.config.CIRCUIT_BREAKER_THRESHOLD, cooldownMs: deps.config.CIRCUIT_BREAKER_COOLDOWN };

  /** What is known of the delivery once its context is loaded, for a failure that comes later. */
  interface Known {
    windowAttempts: number;
    facts: AttemptFacts;
  }

  async function attemptOnce(input: AttemptInput, known: Known): Promise<AttemptResult> {
    const activity = Context.current();
    const loaded = await deliveries.loadDeliveryContext(input.deliveryId, new Date(input.windowEndsAt - input.retry.windowMs));
    if (loaded) {
      known.windowAttempts = loaded.window_attempts;
      known.facts = { statusCode: loaded.last_status_code, errorClass: null, attempt: loaded.attempt_count };
    }
    const ready = readiness(input.deliveryId, loaded);
    if (ready.kind === 'stop') throw stopFailure(ready);
    if (ready.kind === 'delivered') return { attempt: ready.attempt, statusCode: ready.statusCode, durationMs: 0 };
    const { ctx } = ready;
    // Each attempt holds a lease of its own, so it frees its own slot and never another attempt's.
    const leaseId = randomUUID();

    // Decrypted before a slot is taken: a value under a key this worker lacks fails here, holding nothing.
    const secrets = signingSecrets(ctx, deps.box, Date.now());
    const auth = openReceiverAuth(deps.box, ctx.auth);
    const request = buildRequest(ctx, secrets, deps.userAgent, Date.now());
    const admitted = await configs.admitAttempt({
      orgId: ctx.org_id,
      configId: ctx.config_id,
      deliveryId: ctx.delivery_id,
      leaseId,
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
        turnedAway: activity.info.attempt - ctx.window_attempts,
        realAttempts: ctx.window_attempts,
        retry: input.retry,
        windowEndsAt: input.windowEndsAt,
        now: Date.now(),
        jitter: Math.random(),
      });
      throw heldBackFailure(verdict.decision, wait, known.facts);
    }

    if (activity.cancellationSignal.aborted) {
      // Cancelled before anything was sent: free the slot and let the cancellation through.
      await deliveries.releaseLease(leaseId).catch(() => undefined);
      throw activity.cancellationSignal.reason;
    }
    const startedAt = new Date();
    let result: PostResult | undefined;
    let failure: DeliveryNetworkError | undefined;
    const heartbeat = setInterval(() => activity.heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      result = await receiverAuth.post({ ...request, cancel: abortUnlessRetried(activity), auth });
    } catch (error) {
      if (!(error instanceof DeliveryNetworkError)) {
        await deliveries.releaseLease(leaseId).catch(() => undefined);
        throw error;
      }
      failure = error;
    } finally {
      clearInterval(heartbeat);
    }
    const answer: Answer = { startedAt, durationMs: Date.now() - startedAt.getTime(), result, failure };
    const outcome = classifyAnswer({
      statusCode: result?.statusCode ?? null,
      errorClass: failure?.errorClass ?? null,
      retryAfterMs: result ? parseRetryAfter(result.statusCode, result.headers, Date.now()) : null,
      // Backoff counts HTTP attempts only: this one, and those of the window before it.
      realAttempts: ctx.window_attempts + 1,
      retry: input.retry,
      windowEndsAt: input.windowEndsAt,
      now: Date.now(),
    });

    const record = attemptRecord(ctx, answer, outcome, circuit, leaseId, Date.now());
    const attempt = await deliveries.recordAttempt(record);
    if (outcome.kind === 'delivered') return { attempt, statusCode: record.statusCode as number, durationMs: answer.durationMs };
    if (outcome.kind === 'gone') await deps.disableGoneConfig(ctx.org_id, ctx.config_id);
    throw answerFailure(outcome, record, attempt);
  }

  return {
    /** One signed POST of one delivery. Throws an ApplicationFailure that the RetryPolicy acts on. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const known: Known = { windowAttempts: 0, facts: { statusCode: null, errorClass: null, attempt: 0 } };
      try {
        return await attemptOnce(input, known);
      } catch (error) {
        const activity = Context.current();
        if (error instanceof ApplicationFailure || error instanceof CancelledFailure) throw error;
        // Anything else gets a wait of its own and ends with the window too, instead of the server's
        // policy retrying it on its own clock.
        const wait = errorOutcome({
          tries: activity.info.attempt - known.windowAttempts,
          retry: input.retry,
          windowEndsAt: input.windowEndsAt,
          now: Date.now(),
        });
        throw attemptErrorFailure(error instanceof Error ? error : new Error(String(error)), wait, known.facts);
      }
    },
  };
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
