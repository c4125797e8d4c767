/** Maintenance activities: the reconciler of unstarted or stranded deliveries, and the retention of history. */
import { Context } from '@temporalio/activity';
import type { Config } from '../config';
import { listDeliveriesToCheck, listUnstartedDeliveries, markWorkflowsChecked, markWorkflowsStarted } from '../db/deliveries';
import type { Pool } from '../db/pool';
import { createPartitionsAhead, type HistoryPurge, listRetirableDays, purgeExpiredDeadLetters, purgeExpiredKeysAndLeases, purgeHistory, retireDay } from '../db/retention';
import type { ConfigHealth } from '../delivery/config-health';
import { type DeliveryDispatcher, deliveryRefOf } from '../delivery/dispatcher';
import type { Logger } from '../logger';
import { forEachLimited } from '../shared/limited';
import { deliveryWorkflowId, type ReconcileResult, type RetentionResult } from '../shared/temporal';


const RECONCILE_BATCH = 500;
/** Days of history partitions the retention run keeps created ahead of today: a week without a run loses nothing. */
const PARTITION_DAYS_AHEAD = 7;
/** Postgres's lock_not_available: a day's retirement gave up waiting for its lock (see retire_history_day). */
const LOCK_NOT_AVAILABLE = '55P03';
/**
 * Deliveries in flight whose workflow one reconciler run asks Temporal about, and how many at once. A run
 * makes at most CHECK_BATCH describe calls (plus one close-event read for each workflow that ended
 * abnormally): at the default 30 s interval, under 7 calls a second however many deliveries are in flight.
 * A larger backlog is worked through over several runs, least recently checked first.
 */
const CHECK_BATCH = 200;
const CHECK_CONCURRENCY = 8;
/** One reconciler run stops taking new batches after this, so runs never pile up. */
const RECONCILE_BUDGET_MS = 20_000;

/** Activities of the maintenance Schedules: the reconciler and the retention purge. */
export function createMaintenanceActivities(deps: {
  pool: Pool;
  config: Pick<Config, 'RECONCILE_MIN_AGE' | 'RECONCILE_CHECK_INTERVAL' | 'DEAD_LETTER_RETENTION' | 'HISTORY_RETENTION' | 'PURGE_BATCH_SIZE'>;
  dispatcher: DeliveryDispatcher;
  /** Dead-letters a stranded delivery exactly as its workflow would have. */
  recordDeadLetter: ConfigHealth['recordDeadLetter'];
  logger: Logger;
}) {

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

  /**
   * Deliveries whose workflow ended abnormally (terminated, timed out, failed, cancelled) while they were
   * pending or retrying: nothing will ever finish them. Each becomes a dead letter, written as the workflow
   * writes one, and so can be retried. The others are marked checked, and wait RECONCILE_CHECK_INTERVAL.
   */
  async function deadLetterStranded(result: ReconcileResult): Promise<void> {
    const rows = await listDeliveriesToCheck(deps.pool, deps.config.RECONCILE_CHECK_INTERVAL, CHECK_BATCH);
    const leftAlone: string[] = [];
    let unreachable: unknown;
    await forEachLimited(
      rows,
      CHECK_CONCURRENCY,
      async (row) => {
        try {
          const run = await deps.dispatcher.inspect(row.workflow_id ?? deliveryWorkflowId(row.delivery_id));
          if (run.kind === 'abnormal') {
            await deps.recordDeadLetter({ deliveryId: row.delivery_id, reason: run.reason, expiresAt: new Date(Date.now() + deps.config.DEAD_LETTER_RETENTION) });
            deps.logger.warn({ deliveryId: row.delivery_id, reason: run.reason }, 'dead-lettered a delivery whose workflow ended abnormally');
            result.deadLettered += 1;
          } else {
            if (run.kind === 'missing') deps.logger.warn({ deliveryId: row.delivery_id, workflowId: row.workflow_id }, 'delivery in flight has no workflow in Temporal');
            leftAlone.push(row.delivery_id);
          }
          result.checked += 1;
        } catch (error) {
          // Temporal (or Postgres) is away: the rest waits for the next run, unchecked.
          unreachable = error;
          result.failed += 1;
        }
        Context.current().heartbeat();
      },
      () => unreachable !== undefined,
    );
    await markWorkflowsChecked(deps.pool, leftAlone);
    if (unreachable !== undefined) deps.logger.warn({ err: unreachable }, 'reconciler could not check every delivery in flight');
  }

  return {
    /**
     * Starts the workflow of every delivery committed without one (Temporal was down at publish, or
     * the API died between commit and start). The ids are the deterministic ones, so a delivery
     * whose workflow did start meanwhile starts nothing new. Then dead-letters deliveries stranded by a
     * workflow that ended abnormally.
     */
    async reconcileDeliveries(): Promise<ReconcileResult> {
      const result: ReconcileResult = { found: 0, started: 0, failed: 0, checked: 0, deadLettered: 0 };
      const began = Date.now();
      for (;;) {
        const rows = await listUnstartedDeliveries(deps.pool, deps.config.RECONCILE_MIN_AGE, RECONCILE_BATCH);
        result.found += rows.length;
        const { started, failed } = await deps.dispatcher.start(rows.map(deliveryRefOf));
        await markWorkflowsStarted(deps.pool, started);
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
      await deadLetterStranded(result);
      return result;
    },

    /**
     * Retention: expired dead letters; history partitions created ahead, and the days past HISTORY_RETENTION
     * dropped whole; rows of the default partitions past it; spent idempotency keys and stale leases.
     * Reports what it removed.
     */
    async purgeRetention(): Promise<RetentionResult> {
      const batchSize = deps.config.PURGE_BATCH_SIZE;
      const retentionMs = deps.config.HISTORY_RETENTION;
      const deadLetters = await drain(() => purgeExpiredDeadLetters(deps.pool, batchSize));
      const partitionsCreated = await createPartitionsAhead(deps.pool, retentionMs, PARTITION_DAYS_AHEAD);
      const history: HistoryPurge = { events: 0, deliveries: 0, attempts: 0 };
      const daysRetired: string[] = [];
      let keptDeliveries = 0;
      for (const day of await listRetirableDays(deps.pool, retentionMs)) {
        try {
          const retired = await retireDay(deps.pool, day);
          history.events += retired.events;
          history.deliveries += retired.deliveries;
          history.attempts += retired.attempts;
          keptDeliveries += retired.kept;
          daysRetired.push(day);
        } catch (error) {
          if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE) throw error;
          deps.logger.warn({ day }, 'history day not retired: its tables stayed locked; the next run retires it');
          break;
        }
        Context.current().heartbeat();
      }
      await drain(async () => {
        const purged = await purgeHistory(deps.pool, retentionMs, batchSize);
        history.events += purged.events;
        history.deliveries += purged.deliveries;
        history.attempts += purged.attempts;
        return purged.events;
      });
      const keysAndLeases = await drain(() => purgeExpiredKeysAndLeases(deps.pool, batchSize));
      const result: RetentionResult = { deadLetters, ...history, keysAndLeases, partitionsCreated, daysRetired, keptDeliveries };
      deps.logger.info({ ...result }, 'retention purge done');
      return result;
    },
  };
}
