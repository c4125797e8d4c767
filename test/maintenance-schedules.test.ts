/** The maintenance Schedules: the worker creates and updates them at start, and the retention run drops, keeps and purges history as it should. */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { uuidv7 } from '../src/db/ids';
import { reconcileScheduleId, type RetentionResult, retentionScheduleId } from '../src/shared/temporal';
import { ensureMaintenanceSchedules } from '../src/worker/schedules';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  const queue = stack.config.TEMPORAL_TASK_QUEUE;
  for (const id of [reconcileScheduleId(queue), retentionScheduleId(queue)]) await stack.client.schedule.getHandle(id).delete();
});
const db = useDatabase('maintenance');
const receiver = useReceiver();
const stack = useStack(db, { MAINTENANCE_SCHEDULES: 'true', RECONCILE_INTERVAL: '1h', RETENTION_INTERVAL: '1h', HISTORY_RETENTION: '1d' });

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

test('the retention run drops days past the retention whole, keeps their open dead letters, purges the rest and reports the counts', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const recent = await publish(stack, org, { n: 'recent' });
  await waitForStatus(stack, org, recent.deliveries[0].deliveryId, 'delivered');
  receiver.respond(respondWith(503));
  const deadExpired = await publish(stack, org, { n: 'dead-expired' });
  await waitForStatus(stack, org, deadExpired.deliveries[0].deliveryId, 'dead_lettered');
  await db.pool.query(`UPDATE dead_letters SET expires_at = now() - interval '1 minute' WHERE delivery_id = $1`, [deadExpired.deliveries[0].deliveryId]);

  // History of three days ago, past the 1-day retention, in a partition of its own: a delivered delivery
  // with 2 attempts, and a dead letter still open with 1. And one row written before history was
  // partitioned (a UUIDv4 id, in the default partition), delivered two days ago.
  const then = Date.now() - 3 * 86_400_000;
  const day = new Date(then).toISOString().slice(0, 10);
  await db.pool.query('SELECT create_history_partitions($1::date, $1::date)', [day]);
  const [oldEvent, oldDelivery, deadEvent, deadDelivery] = [uuidv7(then), uuidv7(then), uuidv7(then + 1), uuidv7(then + 1)];
  const legacyEvent = randomUUID();
  const legacyDelivery = randomUUID();
  await db.pool.query(
    `INSERT INTO events (event_id, org_id, event_name, data, created_at)
     VALUES ($1, $4, 'order.created', '{}', $5), ($2, $4, 'order.created', '{}', $5), ($3, $4, 'order.created', '{}', now() - interval '2 days')`,
    [oldEvent, deadEvent, legacyEvent, org, new Date(then)],
  );
  await db.pool.query(
    `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, attempt_count, created_at)
     VALUES ($1::uuid, $2, $7, 'main', 'order.created', 'delivered', 'delivery-' || $1::text, 2, $8),
            ($3::uuid, $4, $7, 'main', 'order.created', 'dead_lettered', 'delivery-' || $3::text, 1, $8),
            ($5::uuid, $6, $7, 'main', 'order.created', 'delivered', 'delivery-' || $5::text, 1, now() - interval '2 days')`,
    [oldDelivery, oldEvent, deadDelivery, deadEvent, legacyDelivery, legacyEvent, org, new Date(then)],
  );
  await db.pool.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code)
     VALUES ($1, 1, now(), 10, 503), ($1, 2, now(), 10, 200), ($2, 1, now(), 10, 503), ($3, 1, now(), 10, 200)`,
    [oldDelivery, deadDelivery, legacyDelivery],
  );
  await db.pool.query(
    `INSERT INTO dead_letters (delivery_id, event_id, org_id, config_id, event_name, reason, attempt_count, expires_at)
     VALUES ($1, $2, $3, 'main', 'order.created', 'retry window spent', 1, now() + interval '1 day')`,
    [deadDelivery, deadEvent, org],
  );

  const result = await runNow<RetentionResult>(stack.client, retentionScheduleId(stack.config.TEMPORAL_TASK_QUEUE));
  expect(result).toMatchObject({ deadLetters: 1, daysRetired: [day], keptDeliveries: 1, events: 2, deliveries: 2, attempts: 3 });

  const suffix = day.replaceAll('-', '');
  expect((await db.pool.query(`SELECT to_regclass('deliveries_p${suffix}') AS t`)).rows[0].t).toBeNull();
  // Partitions stand ready a week ahead.
  const ahead = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
  expect((await db.pool.query(`SELECT to_regclass('deliveries_p${ahead}')::text AS t`)).rows[0].t).toBe(`deliveries_p${ahead}`);

  const events = await db.pool.query<{ event_id: string }>('SELECT event_id FROM events WHERE org_id = $1', [org]);
  expect(events.rows.map((row) => row.event_id).sort()).toEqual([recent.eventId, deadExpired.eventId, deadEvent].sort());
  const kept = await db.pool.query('SELECT status, tableoid::regclass::text AS part FROM deliveries WHERE delivery_id = $1', [deadDelivery]);
  expect(kept.rows[0]).toEqual({ status: 'dead_lettered', part: 'deliveries_default' });
  expect((await db.pool.query('SELECT 1 FROM delivery_attempts WHERE delivery_id = $1', [deadDelivery])).rowCount).toBe(1);
  const expired = await db.pool.query('SELECT status FROM deliveries WHERE delivery_id = $1', [deadExpired.deliveries[0].deliveryId]);
  expect(expired.rows[0].status).toBe('expired');
  const remaining = await db.pool.query('SELECT delivery_id FROM dead_letters WHERE org_id = $1', [org]);
  expect(remaining.rows.map((row) => row.delivery_id)).toEqual([deadDelivery]);
}, scaled(60_000));
