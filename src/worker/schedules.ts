/** Creates the maintenance Schedules (reconciler and retention) in Temporal. */
import { type Client, ScheduleAlreadyRunning, type ScheduleOptionsStartWorkflowAction, type ScheduleUpdateOptions } from '@temporalio/client';
import type { Config } from '../config';
import {
  RECONCILE_WORKFLOW_TYPE,
  reconcileScheduleId,
  RETENTION_WORKFLOW_TYPE,
  retentionScheduleId,
} from '../shared/temporal';

type ScheduleConfig = Pick<Config, 'TEMPORAL_TASK_QUEUE' | 'RECONCILE_INTERVAL' | 'RETENTION_INTERVAL'>;

interface MaintenanceSchedule {
  scheduleId: string;
  options: ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<() => Promise<unknown>>>;
}

/** The reconciler (every RECONCILE_INTERVAL) and the retention purge (every RETENTION_INTERVAL). */
export function maintenanceSchedules(config: ScheduleConfig, taskQueue = config.TEMPORAL_TASK_QUEUE): MaintenanceSchedule[] {
  const schedule = (scheduleId: string, workflowType: string, everyMs: number, note: string): MaintenanceSchedule => ({
    scheduleId,
    options: {
      spec: { intervals: [{ every: everyMs }] },
      action: {
        type: 'startWorkflow',
        workflowType,
        taskQueue,
        args: [],
        workflowExecutionTimeout: Math.max(everyMs * 10, 10 * 60_000),
      },
      // A run still going when the next is due makes the next one unnecessary.
      policies: { overlap: 'SKIP', catchupWindow: everyMs * 2 },
      state: { note },
    },
  });
  return [
    schedule(reconcileScheduleId(taskQueue), RECONCILE_WORKFLOW_TYPE, config.RECONCILE_INTERVAL, 'starts deliveries committed without a workflow'),
    schedule(retentionScheduleId(taskQueue), RETENTION_WORKFLOW_TYPE, config.RETENTION_INTERVAL, 'purges expired dead letters and old history'),
  ];
}

/**
 * Creates the maintenance Schedules, or brings existing ones to the current configuration.
 * Every worker runs this at start; the Schedule ids make it idempotent.
 */
export async function ensureMaintenanceSchedules(client: Client, config: ScheduleConfig, taskQueue?: string): Promise<string[]> {
  const schedules = maintenanceSchedules(config, taskQueue);
  for (const { scheduleId, options } of schedules) {
    try {
      await client.schedule.create({ scheduleId, ...options });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec: options.spec, action: options.action, policies: options.policies }));
    }
  }
  return schedules.map((s) => s.scheduleId);
}
