/**
 * recordAttempt changes a delivery's status only while it is pending or retrying: an answer written
 * late cannot turn a dead letter back into a retrying or delivered delivery, nor an expired one.
 */
import { randomUUID } from 'node:crypto';
import { insertDeliveries } from '../src/db/deliveries';
import type { DeliveryStatus } from '../src/shared/temporal';
import { useDatabase } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';
import { HEALTH_AFTER_ATTEMPT } from '../src/core/endpoint-health';
import { type AttemptRecord, recordAttempt } from '../src/db/attempts';
import { putConfig } from '../src/db/configs';
import { insertEvent } from '../src/db/events';

const db = useDatabase('record-attempt-status');

/** One delivery of one event to one config, put in `status` as the workflow would have. */
async function deliveryIn(status: DeliveryStatus): Promise<{ orgId: string; deliveryId: string }> {
  const orgId = uniqueOrg();
  await db.pool.query('INSERT INTO event_types (name) VALUES ($1) ON CONFLICT DO NOTHING', ['order.created']);
  await putConfig(db.pool, 
    orgId,
    'main',
    { url: 'https://hooks.example.com/in', eventNames: ['order.created'], enabled: true, description: null, headers: {}, timeoutMs: 5_000, maxConcurrency: 10, maxPerSecond: null, auth: null },
    null,
    'whsec_sealed',
  );
  const event = await insertEvent(db.pool, randomUUID(), orgId, 'order.created', { n: 1 });
  const deliveryId = randomUUID();
  await insertDeliveries(db.pool, event, [{ deliveryId, configId: 'main', workflowId: `delivery-${deliveryId}` }]);
  await db.pool.query('UPDATE deliveries SET status = $2 WHERE delivery_id = $1', [deliveryId, status]);
  return { orgId, deliveryId };
}

function recordOf(orgId: string, deliveryId: string, status: DeliveryStatus, statusCode: number): AttemptRecord {
  return {
    deliveryId,
    attemptToken: randomUUID(),
    orgId,
    configId: 'main',
    circuit: { threshold: 10, cooldownMs: 30_000 },
    startedAt: new Date(),
    durationMs: 3_000,
    statusCode,
    errorClass: status === 'delivered' ? null : 'http_status',
    error: status === 'delivered' ? null : `HTTP ${statusCode}`,
    responseBody: null,
    status,
    nextAttemptAt: status === 'retrying' ? new Date(Date.now() + 60_000) : null,
  };
}

async function rowOf(deliveryId: string) {
  const { rows } = await db.pool.query('SELECT status, attempt_count, next_attempt_at, delivered_at FROM deliveries WHERE delivery_id = $1', [deliveryId]);
  return rows[0];
}

test.each([
  ['dead_lettered', 'delivered', 200],
  ['dead_lettered', 'retrying', 503],
  ['expired', 'delivered', 200],
  ['expired', 'retrying', 503],
] as const)('a %s delivery stays so when a late answer is recorded as %s (HTTP %i)', async (before, written, statusCode) => {
  const { orgId, deliveryId } = await deliveryIn(before);
  const attempt = await recordAttempt(db.pool, recordOf(orgId, deliveryId, written, statusCode), HEALTH_AFTER_ATTEMPT);
  expect(attempt).toBe(1);
  expect(await rowOf(deliveryId)).toEqual({ status: before, attempt_count: 1, next_attempt_at: null, delivered_at: null });
});

test.each([
  ['pending', 'delivered', 200],
  ['pending', 'retrying', 503],
  ['retrying', 'delivered', 200],
  ['retrying', 'retrying', 503],
] as const)('a %s delivery becomes %s when an answer is recorded', async (before, written, statusCode) => {
  const { orgId, deliveryId } = await deliveryIn(before);
  await recordAttempt(db.pool, recordOf(orgId, deliveryId, written, statusCode), HEALTH_AFTER_ATTEMPT);
  const row = await rowOf(deliveryId);
  expect(row.status).toBe(written);
  expect(row.delivered_at === null).toBe(written !== 'delivered');
  expect(row.next_attempt_at === null).toBe(written !== 'retrying');
});

test('a delivered delivery stays delivered', async () => {
  const { orgId, deliveryId } = await deliveryIn('delivered');
  await recordAttempt(db.pool, recordOf(orgId, deliveryId, 'retrying', 503), HEALTH_AFTER_ATTEMPT);
  expect(await rowOf(deliveryId)).toMatchObject({ status: 'delivered', next_attempt_at: null });
});
