import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { createDeliveryDispatcher } from '../delivery/dispatcher';
import { createConfigHealth } from '../delivery/config-health';
import { createPublisher } from '../delivery/publisher';
import { markDeadLetterRetried, markExpired } from '../db/dead-letters';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import { createAttemptActivity } from './attempt/activity';
import { createMaintenanceActivities } from './maintenance';
import type { HttpClient } from './http';
import { secretBoxFor } from '../secrets/encryption';
import { createMetrics, type Metrics } from '../observability/metrics';

export interface ActivityDeps {
  pool: Pool;
  http: HttpClient;
  config: Config;
  /** Starts reconciled delivery workflows and those of announced events. */
  temporal: Client;
  logger: Logger;
  userAgent: string;
  /** Where attempts and final statuses are counted; a registry of their own when not given. */
  metrics?: Metrics;
}

export type { AttemptInput, AttemptResult } from './attempt/activity';

export function createActivities(deps: ActivityDeps) {
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config: deps.config });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger: deps.logger });
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
