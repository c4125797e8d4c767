import type { Client } from '@temporalio/client';
import { reconcileScheduleId, type RetentionResult, retentionScheduleId } from '../src/shared/temporal';
import { ensureMaintenanceSchedules } from '../src/worker/schedules';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { type Receiver, respondWith, startReceiver } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { startStack, type Stack } from './helpers/stack';
import { scaled } from './setup/test-env';

let db: TestDatabase;
let stack: Stack;
let receiver: Receiver;

beforeAll(async () => {
  db = await createTestDatabase('maintenance');
  receiver = await startReceiver();
  stack = await startStack(db, { MAINTENANCE_SCHEDULES: 'true', RECONCILE_INTERVAL: '1h', RETENTION_INTERVAL: '1h', HISTORY_RETENTION: '1d' });
});
afterAll(async () => {
  const queue = stack.config.TEMPORAL_TASK_QUEUE;
  for (const id of [reconcileScheduleId(queue), retentionScheduleId(queue)]) await stack.client.schedule.getHandle(id).delete();
  await stack.stop();
  await receiver.close();
  await db.drop();
});

/** Runs a Schedule now and returns the result of the workflow it started. */
async function runNow<T>(client: Client, scheduleId: string): Promise<T> {
  const handle = client.schedule.getHandle(scheduleId);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  const action = await eventually(async () => (await handle.describe()).info.recentActions[before], 20_000, 'the triggered run');
  return client.workflow.getHandle(action.action.workflow.workflowId).result() as Promise<T>;
}

test('worker start creates both Schedules for its task queue, and a later start with other intervals updates them', async () => {
  const queue = stack.config.TEMPORAL_TASK_QUEUE;
  const reconcile = await stack.client.schedule.getHandle(reconcileScheduleId(queue)).describe();
  expect(reconcile.spec.intervals).toMatchObject([{ every: 3_600_000 }]);
  expect(reconcile.action).toMatchObject({ type: 'startWorkflow', workflowType: 'reconcileWorkflow', taskQueue: queue });
  expect(reconcile.policies.overlap).toBe('SKIP');

  const ids = await ensureMaintenanceSchedules(stack.client, { ...stack.config, RECONCILE_INTERVAL: 30_000 });
  expect(ids).toEqual([reconcileScheduleId(queue), retentionScheduleId(queue)]);
  const updated = await stack.client.schedule.getHandle(reconcileScheduleId(queue)).describe();
  expect(updated.spec.intervals).toMatchObject([{ every: 30_000 }]);
  const retention = await stack.client.schedule.getHandle(retentionScheduleId(queue)).describe();
  expect(retention.action).toMatchObject({ workflowType: 'retentionWorkflow', taskQueue: queue });
});

test('the retention run purges old finished history and expired dead letters, keeps the rest, and reports the counts', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const old = await publish(stack, org, { n: 'old' });
  const recent = await publish(stack, org, { n: 'recent' });
  for (const answer of [old, recent]) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered');

  receiver.respond(respondWith(503));
  const deadOld = await publish(stack, org, { n: 'dead-old' });
  const deadExpired = await publish(stack, org, { n: 'dead-expired' });
  for (const answer of [deadOld, deadExpired]) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'dead_lettered');

  // Age the rows: two events past the 1-day history retention, one dead letter past its expiry.
  await db.pool.query(`UPDATE events SET created_at = now() - interval '2 days' WHERE event_id = ANY($1::uuid[])`, [[old.eventId, deadOld.eventId]]);
  await db.pool.query(`UPDATE dead_letters SET expires_at = now() - interval '1 minute' WHERE delivery_id = $1`, [deadExpired.deliveries[0].deliveryId]);
  const attemptsOfOld = await db.pool.query('SELECT 1 FROM delivery_attempts WHERE delivery_id = $1', [old.deliveries[0].deliveryId]);

  const result = await runNow<RetentionResult>(stack.client, retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
  expect(result).toMatchObject({ deadLetters: 1, events: 1, deliveries: 1, attempts: attemptsOfOld.rowCount });

  const events = await db.pool.query<{ event_id: string }>('SELECT event_id FROM events WHERE org_id = $1', [org]);
  expect(events.rows.map((row) => row.event_id).sort()).toEqual([recent.eventId, deadOld.eventId, deadExpired.eventId].sort());
  const expired = await db.pool.query('SELECT status FROM deliveries WHERE delivery_id = $1', [deadExpired.deliveries[0].deliveryId]);
  expect(expired.rows[0].status).toBe('expired');
  const remaining = await db.pool.query('SELECT delivery_id FROM dead_letters WHERE org_id = $1', [org]);
  expect(remaining.rows.map((row) => row.delivery_id)).toEqual([deadOld.deliveries[0].deliveryId]);
}, scaled(60_000));
