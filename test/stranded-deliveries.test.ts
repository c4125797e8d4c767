/** A delivery whose workflow was terminated is found by the reconciler, dead-lettered, and retryable. */
import type { Client } from '@temporalio/client';
import { reconcileScheduleId, type ReconcileResult, retentionScheduleId } from '../src/shared/temporal';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  const queue = stack.config.TEMPORAL_TASK_QUEUE;
  for (const id of [reconcileScheduleId(queue), retentionScheduleId(queue)]) await stack.client.schedule.getHandle(id).delete();
});
const db = useDatabase('stranded');
const receiver = useReceiver(respondWith(503));
const stack = useStack(db, {
  MAINTENANCE_SCHEDULES: 'true',
  RECONCILE_INTERVAL: '1h',
  RETENTION_INTERVAL: '1h',
  // Every delivery in flight is due for a check at each run.
  RECONCILE_CHECK_INTERVAL: '1ms',
  // One attempt, then a backoff far longer than the test.
  DELIVERY_RETRY_INITIAL_INTERVAL: '1h',
  DELIVERY_RETRY_MAX_INTERVAL: '1h',
  DELIVERY_RETRY_WINDOW: '24h',
});

/** Runs the reconciler Schedule now and returns the result of the run it started. */
async function reconcileNow(client: Client): Promise<ReconcileResult> {
  const handle = client.schedule.getHandle(reconcileScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const action = await eventually(async () => (await handle.describe()).info.recentActions[before], 20_000, 'the triggered run');
  return client.workflow.getHandle(action.action.workflow.workflowId).result() as Promise<ReconcileResult>;
}

interface DeadLetterAnswer {
  deliveryId: string;
  reason: string;
}

test('a terminated delivery is dead-lettered by the next reconciler run with the reason, and the retry API delivers it', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId, workflowId } = deliveries[0];
  await waitForStatus(stack, org, deliveryId, 'retrying');

  // While its workflow runs, the reconciler only notes that it checked it.
  const whileRunning = await reconcileNow(stack.client);
  expect(whileRunning).toMatchObject({ checked: 1, deadLettered: 0 });
  expect((await getDelivery(stack, org, deliveryId)).status).toBe('retrying');

  await stack.client.workflow.getHandle(workflowId).terminate('stuck behind a bad deploy');
  const afterTermination = await reconcileNow(stack.client);
  expect(afterTermination).toMatchObject({ checked: 1, deadLettered: 1, failed: 0 });

  expect((await getDelivery(stack, org, deliveryId)).status).toBe('dead_lettered');
  const letters = await stack.api<{ items: DeadLetterAnswer[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items).toMatchObject([{ deliveryId, reason: 'workflow terminated: stuck behind a bad deploy' }]);
  // Counted against the config's health as a dead letter of its workflow would be.
  const config = await stack.api<{ health: { consecutiveDeadLetters: number } }>('GET', `/webhooks/${org}/configs/main`);
  expect(config.body.health.consecutiveDeadLetters).toBe(1);

  // Once dead-lettered it is no longer in flight: a further run leaves it alone.
  expect(await reconcileNow(stack.client)).toMatchObject({ checked: 0, deadLettered: 0 });

  receiver.respond(respondWith(200));
  const attemptsBefore = receiver.requests.length;
  const retry = await stack.api<{ deliveryId: string }>('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
  expect(retry.status).toBe(202);
  // The same delivery, in a new run of its workflow: not a copy of it.
  expect(retry.body.deliveryId).toBe(deliveryId);
  await waitForStatus(stack, org, deliveryId, 'delivered');
  expect(receiver.requests.length).toBe(attemptsBefore + 1);
  expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(deliveryId);
  expect((await stack.api<{ items: DeadLetterAnswer[] }>('GET', `/webhooks/${org}/dead-letters`)).body.items).toEqual([]);
  expect(await stack.client.workflow.getHandle(workflowId).result()).toMatchObject({ status: 'delivered' });
}, 90_000);
