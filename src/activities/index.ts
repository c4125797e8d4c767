import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Config } from '../config';
import { createDeliveryDispatcher } from '../delivery/dispatcher';
import { createConfigHealth } from '../delivery/config-health';
import { createPublisher } from '../delivery/publisher';
import { createConfigQueries } from '../db/configs';
import { createDeadLetterQueries } from '../db/dead-letters';
import { createDeliveryQueries, type DeliveryContext } from '../db/deliveries';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import { attemptReportSignal, type AttemptReport, FailureType, type RetrySettings } from '../shared/temporal';
import { createMaintenanceActivities } from './maintenance';
import { DeliveryNetworkError, type HttpClient, type PostResult } from './http';
import { secretBoxFor, type SecretBox } from '../secrets/encryption';
import { createReceiverAuth, openReceiverAuth } from './receiver-auth';
import { sign } from './signing';

export interface ActivityDeps {
  pool: Pool;
  http: HttpClient;
  config: Config;
  /** Reports failed attempts to the delivery workflows, starts reconciled ones, announces disabled configs. */
  temporal: Client;
  logger: Logger;
  userAgent: string;
}

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

const RESERVED_HEADER = /^(host|content-length|content-type|webhook-.*)$/i;

export function createActivities(deps: ActivityDeps) {
  const deliveries = createDeliveryQueries(deps.pool);
  const configs = createConfigQueries(deps.pool);
  const deadLetters = createDeadLetterQueries(deps.pool);
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config: deps.config });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger: deps.logger });
  const health = createConfigHealth({ pool: deps.pool, publisher, config: deps.config, logger: deps.logger });
  // Secrets are read from Postgres and decrypted here, per attempt: they never travel through Temporal.
  const box = secretBoxFor(deps.config);
  const receiverAuth = createReceiverAuth({ http: deps.http });

  async function reportAttempt(report: AttemptReport): Promise<void> {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) return;
    try {
      await deps.temporal.workflow.getHandle(workflowId).signal(attemptReportSignal, report);
    } catch (error) {
      deps.logger.warn({ err: error, workflowId }, 'could not report attempt to the workflow');
    }
  }

  /** Delay before the next server-side retry, or null when the window closes first. */
  function nextAttemptDelay(input: AttemptInput, attempt: number, retryAfterMs: number | null): number | null {
    const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = input.retry;
    const backoff = Math.min(initialIntervalMs * backoffCoefficient ** (attempt - 1), maximumIntervalMs);
    const delay = retryAfterMs ?? backoff;
    return Date.now() + delay < input.windowEndsAt ? delay : null;
  }

  return {
    /** One signed POST of one delivery. Throws an ApplicationFailure that the RetryPolicy acts on. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const ctx = await deliveries.loadDeliveryContext(input.deliveryId);
      if (!ctx) {
        throw ApplicationFailure.create({ type: FailureType.DELIVERY_NOT_FOUND, message: `delivery ${input.deliveryId} not found`, nonRetryable: true });
      }
      if (ctx.url === null || ctx.secret === null) {
        throw ApplicationFailure.create({ type: FailureType.CONFIG_DISABLED, message: `config ${ctx.config_id} was deleted`, nonRetryable: true });
      }
      if (!ctx.enabled) {
        throw ApplicationFailure.create({
          type: FailureType.CONFIG_DISABLED,
          message: `config ${ctx.config_id} is disabled (${ctx.disabled_reason ?? 'no reason given'})`,
          nonRetryable: true,
        });
      }

      // Decrypted before a slot is taken: a value under a key this worker lacks fails here, holding nothing.
      const signingSecrets = secretsOf(ctx, box);
      const auth = openReceiverAuth(box, ctx.auth);
      const activity = Context.current();
      const timeoutMs = ctx.timeout_ms ?? 15_000;
      const admission = await configs.admitAttempt({
        orgId: ctx.org_id,
        configId: ctx.config_id,
        deliveryId: ctx.delivery_id,
        leaseMs: timeoutMs + LEASE_MARGIN_MS,
        cooldownMs: deps.config.CIRCUIT_BREAKER_COOLDOWN,
        force: input.forced === true && activity.info.attempt === 1,
      });
      if (admission.decision === 'missing') {
        throw ApplicationFailure.create({ type: FailureType.CONFIG_DISABLED, message: `config ${ctx.config_id} was deleted`, nonRetryable: true });
      }
      if (admission.decision !== 'admitted' && admission.decision !== 'probe') {
        // Nothing is sent and no attempt is recorded: the delivery waits, as a retry, without holding a slot.
        // Behind an open circuit it waits at least its own backoff, so a long outage parks deliveries
        // at the usual pace instead of waking each of them every cooldown.
        // Over the concurrency cap it waits longer each time it is turned away (up to 32 x the throttle
        // delay): a queue of hundreds behind a slow endpoint then costs little, instead of one task each per second.
        const backoff = admission.decision === 'circuit_open' ? (nextAttemptDelay(input, activity.info.attempt, null) ?? 0) : 0;
        const throttle = deps.config.THROTTLE_RETRY_DELAY * 2 ** Math.min(activity.info.attempt - 1, 5);
        const base = Math.max(admission.waitMs > 0 ? admission.waitMs : throttle, backoff);
        throw ApplicationFailure.create({
          type: FailureType.THROTTLED,
          message: `held back: ${admission.decision.replace('_', ' ')}`,
          nextRetryDelay: heldBackDelay(Math.ceil(base * (1 + Math.random())), input.windowEndsAt - Date.now()),
          // Expected and frequent under load: logged at debug, left out of failure metrics.
          category: ApplicationFailureCategory.BENIGN,
        });
      }

      // `eventId` and `timestamp` let a receiver dedupe and order: deliveries are not ordered across events.
      const body = JSON.stringify({ type: ctx.event_name, eventId: ctx.event_id, timestamp: ctx.event_created_at.toISOString(), data: ctx.data });
      const headers = buildHeaders(ctx, signingSecrets, body, deps.userAgent);
      const startedAt = new Date();
      let result: PostResult | undefined;
      let failure: DeliveryNetworkError | undefined;
      const heartbeat = setInterval(() => activity.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        result = await receiverAuth.post({ url: ctx.url, headers, body, timeoutMs, cancel: activity.cancellationSignal, auth });
      } catch (error) {
        if (!(error instanceof DeliveryNetworkError)) {
          await deliveries.releaseLease(ctx.delivery_id).catch(() => undefined);
          throw error;
        }
        failure = error;
      } finally {
        clearInterval(heartbeat);
      }
      const durationMs = Date.now() - startedAt.getTime();
      const statusCode = result?.statusCode ?? null;
      const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
      const gone = statusCode === 410;
      const retryAfterMs = result ? parseRetryAfter(result, deps.config.DELIVERY_RETRY_MAX_INTERVAL) : null;
      const temporalAttempt = Context.current().info.attempt;
      const final = ok || gone || failure?.errorClass === 'destination_blocked';
      const delay = final ? null : nextAttemptDelay(input, temporalAttempt, retryAfterMs);
      const errorClass = ok ? null : (failure?.errorClass ?? 'http_status');
      const errorMessage = ok ? null : (failure?.message ?? `HTTP ${statusCode}`);

      const attempt = await deliveries.recordAttempt({
        deliveryId: ctx.delivery_id,
        orgId: ctx.org_id,
        configId: ctx.config_id,
        circuit: { threshold: deps.config.CIRCUIT_BREAKER_THRESHOLD, cooldownMs: deps.config.CIRCUIT_BREAKER_COOLDOWN },
        startedAt,
        durationMs,
        statusCode,
        errorClass,
        error: errorMessage,
        responseBody: result?.body ?? null,
        status: ok ? 'delivered' : 'retrying',
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay),
      });
      if (ok) return { attempt, statusCode, durationMs };

      if (failure?.errorClass === 'destination_blocked') {
        // An internal address is never retried into: the delivery is dead-lettered now.
        throw ApplicationFailure.create({ type: FailureType.DESTINATION_BLOCKED, message: failure.message, nonRetryable: true });
      }
      if (gone) {
        await health.disableConfig(ctx.org_id, ctx.config_id, 'gone');
        throw ApplicationFailure.create({ type: FailureType.GONE, message: 'endpoint answered 410 Gone; config disabled', nonRetryable: true });
      }
      await reportAttempt({
        attempt,
        statusCode,
        errorClass: errorClass ?? 'http_status',
        error: errorMessage ?? 'failed',
        nextAttemptAt: delay === null ? null : new Date(Date.now() + delay).toISOString(),
      });
      throw ApplicationFailure.create({
        type: failure ? FailureType.NETWORK : FailureType.HTTP_STATUS,
        message: errorMessage ?? 'failed',
        details: [{ statusCode, errorClass }],
        nextRetryDelay: retryAfterMs ?? undefined,
      });
    },

    /**
     * Writes the dead letter and counts it against the config's health. When that disables the config,
     * the org hears of it through a `webhook.config.disabled` event written in the same transaction.
     */
    async recordDeadLetter(input: { deliveryId: string; reason: string; expiresAt: string }) {
      const row = await health.recordDeadLetter({ ...input, expiresAt: new Date(input.expiresAt) });
      return { attemptCount: row?.attempt_count ?? 0, lastError: row?.last_error ?? null };
    },

    async markDeadLetterRetried(input: { deliveryId: string }): Promise<void> {
      await deadLetters.markDeadLetterRetried(input.deliveryId);
    },

    async markExpired(input: { deliveryId: string }): Promise<void> {
      await deadLetters.markExpired(input.deliveryId);
    },

    ...createMaintenanceActivities({ pool: deps.pool, config: deps.config, dispatcher, recordDeadLetter: health.recordDeadLetter, logger: deps.logger }),
  };
}

/** Room left in the window for the last look at a busy endpoint, before the window closes. */
export const FINAL_CHECK_MARGIN_MS = 1_000;

/**
 * A held-back wait that would run past the end of the retry window is cut short, so the delivery gets
 * one last look at the endpoint inside its window instead of being dead-lettered a whole wait early.
 */
export function heldBackDelay(delayMs: number, remainingMs: number): number {
  const latest = remainingMs - FINAL_CHECK_MARGIN_MS;
  return delayMs > latest && latest >= FINAL_CHECK_MARGIN_MS ? latest : delayMs;
}

/** The signing secrets in use: the current one, and the rotated-out one while its overlap lasts. */
function secretsOf(ctx: DeliveryContext, box: SecretBox): string[] {
  const secrets = [box.decrypt(ctx.secret as string)];
  if (ctx.previous_secret && ctx.previous_secret_expires_at && ctx.previous_secret_expires_at.getTime() > Date.now()) {
    secrets.push(box.decrypt(ctx.previous_secret));
  }
  return secrets;
}

function buildHeaders(ctx: DeliveryContext, secrets: string[], body: string, userAgent: string): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const custom = Object.fromEntries(Object.entries(ctx.headers ?? {}).filter(([name]) => !RESERVED_HEADER.test(name)));
  return {
    'user-agent': userAgent,
    ...custom,
    'content-type': 'application/json',
    'webhook-id': ctx.delivery_id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secrets, ctx.delivery_id, timestamp, body),
  };
}

/** `Retry-After` on 429 and 503, in seconds or as an HTTP date, capped at the maximum interval. */
function parseRetryAfter(result: PostResult, maxIntervalMs: number): number | null {
  if (result.statusCode !== 429 && result.statusCode !== 503) return null;
  const raw = result.headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return null;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(seconds)) return null;
  return Math.min(Math.max(seconds, 0), maxIntervalMs);
}
