/** The physical limit: one workflow, one no-op activity. Same shape as a delivery, with nothing to do. */
import { proxyActivities } from '@temporalio/workflow';

const { noop } = proxyActivities<{ noop(): Promise<void> }>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

export async function baselineWorkflow(): Promise<void> {
  await noop();
}
