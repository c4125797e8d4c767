import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { createDeliveryDispatcher } from '../delivery/dispatcher';
import { createPublisher, type PublishRequest } from '../delivery/publisher';
import { ValidationError } from '../api/errors';
import { createConfigQueries } from '../db/configs';
import { createDeadLetterQueries } from '../db/dead-letters';
import { type Pool, withTransaction } from '../db/pool';
import type { Logger } from '../logger';
import { CONFIG_DISABLED_EVENT } from '../shared/temporal';
import { createAttemptActivity } from './attempt/activity';
import { createMaintenanceActivities } from './maintenance';
import type { HttpClient } from './http';
import { secretBoxFor } from '../secrets/encryption';

export interface ActivityDeps {
  pool: Pool;
  http: HttpClient;
  config: Config;
  /** Starts reconciled delivery workflows and those of announced events. */
  temporal: Client;
  logger: Logger;
  userAgent: string;
}

export type { AttemptInput, AttemptResult } from './attempt/activity';

export function createActivities(deps: ActivityDeps) {
  const configs = createConfigQueries(deps.pool);
  const deadLetters = createDeadLetterQueries(deps.pool);
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config: deps.config });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger: deps.logger });
  // Secrets are read from Postgres and decrypted here, per attempt: they never travel through Temporal.
  const box = secretBoxFor(deps.config);

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
    ...createAttemptActivity({
      pool: deps.pool,
      http: deps.http,
      box,
      config: deps.config,
      userAgent: deps.userAgent,
      logger: deps.logger,
      disableGoneConfig: (orgId, configId) => configs.disableConfig(orgId, configId, 'gone'),
    }),

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
