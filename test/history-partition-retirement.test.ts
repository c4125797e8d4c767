/** Retiring a day of history: its partitions are dropped whole, while an open dead letter keeps its rows and can still be retried. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';
import { listRetirableDays, purgeHistory, retireDay } from '../src/db/retention';

const db = useDatabase('history-partition-retirement');
const receiver = useReceiver();
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '1s' });

const DAY_MS = 86_400_000;
const partOf = async (table: string, key: string, id: string): Promise<string | undefined> =>
  (await db.pool.query<{ part: string }>(`SELECT tableoid::regclass::text AS part FROM ${table} WHERE ${key} = $1`, [id])).rows[0]?.part;

test('retiring a day drops its partitions whole; an open dead letter keeps its rows and can still be retried', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const done = await publish(stack, org, { n: 'delivered' });
  await waitForStatus(stack, org, done.deliveries[0].deliveryId, 'delivered');
  receiver.respond(respondWith(503));
  const dead = await publish(stack, org, { n: 'dead' });
  const deadId = dead.deliveries[0].deliveryId;
  await waitForStatus(stack, org, deadId, 'dead_lettered', 20_000);
  const deadAttempts = (await getDelivery(stack, org, deadId)).attempts;
  expect(deadAttempts.length).toBeGreaterThan(0);

  const today = new Date().toISOString().slice(0, 10);
  const suffix = today.replaceAll('-', '');
  expect(await partOf('deliveries', 'delivery_id', deadId)).toBe(`deliveries_p${suffix}`);
  const counts = await db.pool.query<{ events: number; deliveries: number; attempts: number }>(
    `SELECT (SELECT count(*)::int FROM events_p${suffix}) AS events, (SELECT count(*)::int FROM deliveries_p${suffix}) AS deliveries,
            (SELECT count(*)::int FROM delivery_attempts_p${suffix}) AS attempts`,
  );

  // As the retention run will see it two days from now, with a 1-day HISTORY_RETENTION.
  const days = await listRetirableDays(db.pool, DAY_MS, new Date(Date.now() + 2 * DAY_MS + 60_000));
  expect(days).toContain(today);
  expect(days.every((day) => day <= today)).toBe(true);
  const retired = await retireDay(db.pool, today);
  expect(retired).toEqual({
    events: counts.rows[0].events - 1,
    deliveries: counts.rows[0].deliveries - 1,
    attempts: counts.rows[0].attempts - deadAttempts.length,
    kept: 1,
  });
  expect((await retireDay(db.pool, today)).kept).toBe(0);

  // The day's tables are gone; the delivered delivery with them.
  const left = await db.pool.query(`SELECT to_regclass('events_p${suffix}') AS e, to_regclass('deliveries_p${suffix}') AS d, to_regclass('delivery_attempts_p${suffix}') AS a`);
  expect(left.rows[0]).toEqual({ e: null, d: null, a: null });
  expect((await stack.api('GET', `/webhooks/${org}/deliveries/${done.deliveries[0].deliveryId}`)).status).toBe(404);

  // The dead letter, its attempts and its event moved to the default partitions, unchanged.
  expect(await partOf('deliveries', 'delivery_id', deadId)).toBe('deliveries_default');
  expect(await partOf('events', 'event_id', dead.eventId)).toBe('events_default');
  const kept = await getDelivery(stack, org, deadId);
  expect(kept.status).toBe('dead_lettered');
  expect(kept.attempts).toEqual(deadAttempts);
  const listed = await stack.api<{ items: { deliveryId: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(listed.body.items.map((item) => item.deliveryId)).toEqual([deadId]);

  // Its retry still works: the workflow reads the kept rows and records the new attempt beside them.
  receiver.respond(respondWith(200));
  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deadId}/retry`)).status).toBe(202);
  await waitForStatus(stack, org, deadId, 'delivered');
  const after = await getDelivery(stack, org, deadId);
  expect(after.attempts).toHaveLength(deadAttempts.length + 1);
  expect(after.attempts.at(-1)?.statusCode).toBe(200);
  const body = JSON.parse(receiver.requests.at(-1)?.body ?? '{}') as { data?: unknown };
  expect(body.data).toEqual({ n: 'dead' });

  // Once delivered and past the retention, the kept rows go with the row-by-row purge of the default partitions.
  await db.pool.query(`UPDATE events SET created_at = now() - interval '2 days' WHERE event_id = $1`, [dead.eventId]);
  expect(await purgeHistory(db.pool, DAY_MS, 1000)).toEqual({ events: 1, deliveries: 1, attempts: deadAttempts.length + 1 });
  expect((await stack.api('GET', `/webhooks/${org}/deliveries/${deadId}`)).status).toBe(404);
}, scaled(60_000));
