import { Context } from '@temporalio/activity';
import type { Config } from '../config';
import { createDeliveryQueries } from '../db/deliveries';
import type { Pool } from '../db/pool';
import { createRetentionQueries, type HistoryPurge } from '../db/retention';
import { type DeliveryDispatcher, deliveryRefOf } from '../delivery/dispatcher';
import type { Logger } from '../logger';
import type { ReconcileResult, RetentionResult } from '../shared/temporal';


const RECONCILE_BATCH = 500;
/** One reconciler run stops taking new batches after this, so runs never pile up. */
const RECONCILE_BUDGET_MS = 20_000;

/** Activities of the maintenance Schedules: the reconciler and the retention purge. */
export function createMaintenanceActivities(deps: {
  pool: Pool;
  config: Pick<Config, 'RECONCILE_MIN_AGE' | 'HISTORY_RETENTION' | 'PURGE_BATCH_SIZE'>;
  dispatcher: DeliveryDispatcher;
  logger: Logger;
}) {
  const deliveries = createDeliveryQueries(deps.pool);
  const retention = createRetentionQueries(deps.pool);

  /** Runs `batch` until it removes fewer rows than a full batch, heartbeating between batches. */
  async function drain(batch: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await batch();
      total += removed;
      Context.current().heartbeat();
      if (removed < deps.config.PURGE_BATCH_SIZE) return total;
    }
  }

  return {
    /**
     * Starts the workflow of every delivery committed without one (Temporal was down at publish, or
     * the API died between commit and start). The ids are the deterministic ones, so a delivery
     * whose workflow did start meanwhile starts nothing new.
     */
    async reconcileDeliveries(): Promise<ReconcileResult> {
      const result: ReconcileResult = { found: 0, started: 0, failed: 0 };
      const began = Date.now();
      for (;;) {
        const rows = await deliveries.listUnstartedDeliveries(deps.config.RECONCILE_MIN_AGE, RECONCILE_BATCH);
        result.found += rows.length;
        const { started, failed } = await deps.dispatcher.start(rows.map(deliveryRefOf));
        await deliveries.markWorkflowsStarted(started);
        result.started += started.length;
        result.failed += failed.length;
        Context.current().heartbeat();
        if (failed.length > 0) {
          deps.logger.warn({ failed: failed.length, err: failed[0]?.error }, 'reconciler could not start every delivery');
          break;
        }
        if (rows.length < RECONCILE_BATCH || Date.now() - began > RECONCILE_BUDGET_MS) break;
      }
      if (result.found > 0) deps.logger.info({ ...result }, 'reconciled deliveries without a workflow');
      return result;
    },

    /** Retention: expired dead letters, old history, spent idempotency keys and stale leases. Reports what it removed. */
    async purgeRetention(): Promise<RetentionResult> {
      const batchSize = deps.config.PURGE_BATCH_SIZE;
      const deadLetters = await drain(() => retention.purgeExpiredDeadLetters(batchSize));
      const history: HistoryPurge = { events: 0, deliveries: 0, attempts: 0 };
      await drain(async () => {
        const purged = await retention.purgeHistory(deps.config.HISTORY_RETENTION, batchSize);
        history.events += purged.events;
        history.deliveries += purged.deliveries;
        history.attempts += purged.attempts;
        return purged.events;
      });
      const keysAndLeases = await drain(() => retention.purgeExpiredKeysAndLeases(batchSize));
      const result: RetentionResult = { deadLetters, ...history, keysAndLeases };
      deps.logger.info({ ...result }, 'retention purge done');
      return result;
    },
  };
}
