import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { Config } from '../config';
import { createDeliveryDispatcher } from '../delivery/dispatcher';
import { createPublisher, type PublishRequest } from '../delivery/publisher';
import { ValidationError } from '../api/errors';
import { createConfigQueries } from '../db/configs';
import { createDeadLetterQueries } from '../db/dead-letters';
import { createDeliveryQueries, type DeliveryContext } from '../db/deliveries';
import { type Pool, withTransaction } from '../db/pool';
import type { Logger } from '../logger';
import { CONFIG_DISABLED_EVENT, FailureType, type RetrySettings } from '../shared/temporal';
import { classifyAnswer, heldBackOutcome, isSuccess, parseRetryAfter } from './attempt/outcome';
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
  // Secrets are read from Postgres and decrypted here, per attempt: they never travel through Temporal.
  const box = secretBoxFor(deps.config);
  const receiverAuth = createReceiverAuth({ http: deps.http });

  /** Publishes a service event; an archived event type is an operator's choice to silence it. */
  async function announce(request: PublishRequest): Promise<void> {
    try {
      await publisher.publish(request);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      deps.logger.warn({ eventName: request.eventName, err: error }, 'service event not published');
    }
  }

  return {
    /** One signed POST of one delivery. Throws an ApplicationFailure that the RetryPolicy acts on. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const ctx = await deliveries.loadDeliveryContext(input.deliveryId, new Date(input.windowEndsAt - input.retry.windowMs));
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
        // Temporal's attempt counter counts these waits too: the times turned away are what it counts
        // beyond the HTTP attempts of the window.
        const wait = heldBackOutcome({
          decision: admission.decision,
          waitMs: admission.waitMs,
          throttleDelayMs: deps.config.THROTTLE_RETRY_DELAY,
          turnedAway: activity.info.attempt - ctx.window_attempts,
          realAttempts: ctx.window_attempts,
          retry: input.retry,
          windowEndsAt: input.windowEndsAt,
          now: Date.now(),
          jitter: Math.random(),
        });
        const heldBack = `held back: ${admission.decision.replace('_', ' ')}`;
        if (wait.kind === 'window_spent') {
          throw ApplicationFailure.create({
            type: FailureType.WINDOW_SPENT,
            message: `retry window spent; ${heldBack}`,
            details: [{ statusCode: ctx.last_status_code, errorClass: null, attempt: ctx.attempt_count }],
            nonRetryable: true,
          });
        }
        throw ApplicationFailure.create({
          type: FailureType.THROTTLED,
          message: heldBack,
          nextRetryDelay: wait.delayMs,
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
      const ok = isSuccess(statusCode);
      const outcome = classifyAnswer({
        statusCode,
        errorClass: failure?.errorClass ?? null,
        retryAfterMs: result ? parseRetryAfter(result.statusCode, result.headers, Date.now()) : null,
        // Backoff counts HTTP attempts only: this one, and those of the window before it.
        realAttempts: ctx.window_attempts + 1,
        retry: input.retry,
        windowEndsAt: input.windowEndsAt,
        now: Date.now(),
      });
      const delay = outcome.kind === 'retry' ? outcome.delayMs : null;
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
      if (outcome.kind === 'delivered') return { attempt, statusCode: statusCode as number, durationMs };

      if (outcome.kind === 'blocked') {
        // An internal address is never retried into: the delivery is dead-lettered now.
        throw ApplicationFailure.create({ type: FailureType.DESTINATION_BLOCKED, message: errorMessage ?? 'blocked', nonRetryable: true });
      }
      if (outcome.kind === 'gone') {
        await configs.disableConfig(ctx.org_id, ctx.config_id, 'gone');
        throw ApplicationFailure.create({ type: FailureType.GONE, message: 'endpoint answered 410 Gone; config disabled', nonRetryable: true });
      }
      if (outcome.kind === 'window_spent') {
        throw ApplicationFailure.create({
          type: FailureType.WINDOW_SPENT,
          message: `retry window spent; last error: ${errorMessage ?? 'failed'}`,
          details: [{ statusCode, errorClass, attempt }],
          nonRetryable: true,
        });
      }
      // The wait is always given: the server's own backoff would count held-back waits as attempts.
      throw ApplicationFailure.create({
        type: failure ? FailureType.NETWORK : FailureType.HTTP_STATUS,
        message: errorMessage ?? 'failed',
        details: [{ statusCode, errorClass, attempt }],
        nextRetryDelay: outcome.delayMs,
      });
    },

    /**
     * Writes the dead letter and counts it against the config's health. When that disables the config,
     * the org hears of it through a `webhook.config.disabled` event (idempotent across retries).
     */
    async recordDeadLetter(input: { deliveryId: string; reason: string; expiresAt: string }) {
      // One transaction: the dead letter and its count against the config become visible together.
      const { row, disabled } = await withTransaction(deps.pool, async (client) => {
        const letter = await createDeadLetterQueries(client).recordDeadLetter(input.deliveryId, input.reason, new Date(input.expiresAt));
        const disabledNow = letter
          ? await createConfigQueries(client).recordConfigDeadLetter(letter.org_id, letter.config_id, {
              afterConsecutiveDeadLetters: deps.config.DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS,
              afterFailingForMs: deps.config.DISABLE_AFTER_FAILING_FOR,
            })
          : undefined;
        return { row: letter, disabled: disabledNow };
      });
      if (row) {
        if (disabled?.disabled_at) {
          deps.logger.warn({ orgId: row.org_id, configId: row.config_id, reason: disabled.disabled_reason }, 'config disabled after failing');
          await announce({
            orgId: row.org_id,
            eventName: CONFIG_DISABLED_EVENT,
            data: {
              configId: disabled.config_id,
              url: disabled.url,
              reason: disabled.disabled_reason,
              disabledAt: disabled.disabled_at.toISOString(),
              consecutiveDeadLetters: disabled.consecutive_dead_letters,
              failingSince: disabled.failing_since?.toISOString() ?? null,
            },
            idempotencyKey: `${CONFIG_DISABLED_EVENT}:${disabled.config_id}:${disabled.disabled_at.toISOString()}`,
          });
        }
      }
      return { attemptCount: row?.attempt_count ?? 0, lastError: row?.last_error ?? null };
    },

    async markDeadLetterRetried(input: { deliveryId: string }): Promise<void> {
      await deadLetters.markDeadLetterRetried(input.deliveryId);
    },

    async markExpired(input: { deliveryId: string }): Promise<void> {
      await deadLetters.markExpired(input.deliveryId);
    },

    ...createMaintenanceActivities({ pool: deps.pool, config: deps.config, dispatcher, logger: deps.logger }),
  };
}

export { FINAL_CHECK_MARGIN_MS, heldBackDelay } from './attempt/outcome';

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
