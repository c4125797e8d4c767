/** The worker's activities, built from their dependencies: the delivery attempt, dead-letter bookkeeping and maintenance. */
import type { Config } from '../config';
import type { DeliveryDispatcher } from '../delivery/dispatcher';
import { createConfigHealth } from '../delivery/config-health';
import type { Publisher } from '../delivery/publisher';
import type { Logger } from '../logger';
import { createAttemptActivity } from './attempt/activity';
import { createMaintenanceActivities } from './maintenance';
import type { HttpClient } from '../core/http';
import { secretBoxFor } from '../core/secret-box';
import { createMetrics, type Metrics } from '../observability/metrics';
import { markDeadLetterRetried, markExpired } from '../db/dead-letters';
import { type Pool } from '../db/pool';

export interface ActivityDeps {
  pool: Pool;
  http: HttpClient;
  config: Config;
  /** Starts reconciled delivery workflows. */
  dispatcher: DeliveryDispatcher;
  /** Writes the events the service announces (a config disabled) and starts their deliveries. */
  publisher: Publisher;
  logger: Logger;
  userAgent: string;
  /** Where attempts and final statuses are counted; a registry of their own when not given. */
  metrics?: Metrics;
}

export type { AttemptInput, AttemptResult } from './attempt/activity';

export function createActivities(deps: ActivityDeps) {
  const { dispatcher, publisher } = deps;
  const health = createConfigHealth({ pool: deps.pool, publisher, config: deps.config, logger: deps.logger });
  // Secrets are read from Postgres and decrypted here, per attempt: they never travel through Temporal.
  const box = secretBoxFor(deps.config);
  const metrics = deps.metrics ?? createMetrics();

  return {
    ...createAttemptActivity({
      pool: deps.pool,
      http: deps.http,
      box,
      config: deps.config,
      userAgent: deps.userAgent,
      logger: deps.logger,
      metrics,
      disableGoneConfig: (orgId, configId) => health.disableConfig(orgId, configId, 'gone'),
    }),

    /**
     * Writes the dead letter and counts it against the config's health. When that disables the config,
     * the org hears of it through a `webhook.config.disabled` event written in the same transaction.
     */
    async recordDeadLetter(input: { deliveryId: string; reason: string; expiresAt: string }) {
      const row = await health.recordDeadLetter({ ...input, expiresAt: new Date(input.expiresAt) });
      metrics.countDelivery('dead_lettered');
      return { attemptCount: row?.attempt_count ?? 0, lastError: row?.last_error ?? null };
    },

    async markDeadLetterRetried(input: { deliveryId: string }): Promise<void> {
      await markDeadLetterRetried(deps.pool, input.deliveryId);
    },

    async markExpired(input: { deliveryId: string }): Promise<void> {
      await markExpired(deps.pool, input.deliveryId);
      metrics.countDelivery('expired');
    },

    ...createMaintenanceActivities({ pool: deps.pool, config: deps.config, dispatcher, recordDeadLetter: health.recordDeadLetter, logger: deps.logger }),
  };
}
