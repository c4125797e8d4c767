/** Maintenance workflows, run by Schedules: the reconciler and the retention purge. */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { ReconcileResult, RetentionResult } from '../shared/temporal';

type Activities = ReturnType<typeof createActivities>;

const { reconcileDeliveries } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  // The next scheduled run tries again; a run never outlives its interval by much.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});

const { purgeRetention } = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '2m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

/** Run by the reconciler Schedule: starts deliveries that were committed without a workflow. */
export async function reconcileWorkflow(): Promise<ReconcileResult> {
  return reconcileDeliveries();
}

/** Run by the retention Schedule: its result, visible in the Temporal UI, says how many rows each purge removed. */
export async function retentionWorkflow(): Promise<RetentionResult> {
  return purgeRetention();
}
