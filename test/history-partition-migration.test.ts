/** The migration to day partitions of history: a database with history from before it moves every row onto day partitions, and its queries still work. */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HEALTH_AFTER_ATTEMPT } from '../src/core/endpoint-health';
import { listAttempts, recordAttempt } from '../src/db/attempts';
import { listDeadLetters, markDeadLetterRetried } from '../src/db/dead-letters';
import { getDelivery, insertDeliveries, listDeliveries, loadDeliveryContext } from '../src/db/deliveries';
import { getEvent, insertEvent } from '../src/db/events';
import { uuidv7 } from '../src/db/ids';
import { findMigrationsDir, migrate } from '../src/db/migrate';
import { purgeHistory } from '../src/db/retention';
import { useDatabase } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';

/** The migration under test, and a directory of every migration before it. */
const PARTITIONS = '013_history_partitions.sql';
let beforePartitions: string;
let earlier: string[];
// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  await rm(beforePartitions, { recursive: true, force: true });
});
const db = useDatabase('history-partition-migration', { migrate: false });
beforeAll(async () => {
  beforePartitions = await mkdtemp(path.join(os.tmpdir(), 'migrations-before-partitions-'));
  const source = findMigrationsDir();
  earlier = (await readdir(source)).filter((name) => /^\d{3}_.*\.sql$/.test(name) && name < PARTITIONS);
  for (const file of earlier) await copyFile(path.join(source, file), path.join(beforePartitions, file));
});

const snapshot = async (table: string, key: string): Promise<unknown[]> =>
  (await db.pool.query(`SELECT to_jsonb(t) - 'tableoid' AS row FROM ${table} t ORDER BY ${key}`)).rows.map((r) => r.row);

test('a database with history from before the partition migration moves onto day partitions with every row, and its queries still work', async () => {
  expect((await migrate(db.pool, beforePartitions)).applied).toEqual(earlier);
  const org = uniqueOrg();
  const circuit = { threshold: 5, cooldownMs: 30_000 };
  await db.pool.query(`INSERT INTO webhook_configs (org_id, config_id, url, event_names, secret) VALUES ($1, 'main', 'https://x.example/h', '{order.created}', 'sealed')`, [org]);
  // 300 events of the last 10 days (ids as written before: UUIDv4), one delivery each, 1-3 attempts each.
  await db.pool.query(
    `INSERT INTO events (event_id, org_id, event_name, data, created_at)
     SELECT gen_random_uuid(), $1, 'order.created', jsonb_build_object('n', i), now() - i * interval '48 minutes'
     FROM generate_series(1, 300) i`,
    [org],
  );
  await db.pool.query(
    `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, workflow_started_at,
                             attempt_count, last_status_code, created_at)
     SELECT id, event_id, org_id, 'main', event_name, CASE WHEN n % 50 = 0 THEN 'dead_lettered' ELSE 'delivered' END,
            'delivery-' || id, created_at, 1 + n % 3, CASE WHEN n % 50 = 0 THEN 503 ELSE 200 END, created_at
     FROM (SELECT gen_random_uuid() AS id, e.*, (e.data->>'n')::int AS n FROM events e) d`,
  );
  await db.pool.query(
    `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, attempt_token)
     SELECT d.delivery_id, a, d.created_at + a * interval '1 second', 50, CASE WHEN a = d.attempt_count AND d.status = 'delivered' THEN 200 ELSE 503 END,
            gen_random_uuid()
     FROM deliveries d CROSS JOIN LATERAL generate_series(1, d.attempt_count) a`,
  );
  await db.pool.query(
    `INSERT INTO dead_letters (delivery_id, event_id, org_id, config_id, event_name, reason, attempt_count, expires_at)
     SELECT delivery_id, event_id, org_id, config_id, event_name, 'retry window spent', attempt_count, now() + interval '14 days'
     FROM deliveries WHERE status = 'dead_lettered'`,
  );
  const tables = { events: 'event_id', deliveries: 'delivery_id', delivery_attempts: 'delivery_id, attempt', dead_letters: 'delivery_id' };
  const rowsBefore = Object.fromEntries(await Promise.all(Object.entries(tables).map(async ([t, key]) => [t, await snapshot(t, key)])));

  const { applied } = await migrate(db.pool);
  expect(applied).toEqual([PARTITIONS]);

  // Every row, unchanged, now in the default partitions.
  for (const [table, key] of Object.entries(tables)) expect(await snapshot(table, key)).toEqual(rowsBefore[table]);
  const placed = await db.pool.query<{ part: string; n: number }>(
    `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM deliveries GROUP BY 1 ORDER BY 1`,
  );
  expect(placed.rows).toEqual([{ part: 'deliveries_default', n: 300 }]);
  const kinds = await db.pool.query<{ relname: string; relkind: string }>(
    `SELECT relname, relkind FROM pg_class WHERE relname IN ('events', 'deliveries', 'delivery_attempts') ORDER BY relname`,
  );
  expect(kinds.rows.map((r) => r.relkind)).toEqual(['p', 'p', 'p']);

  // The queries of the API and of an attempt read the old rows as before.
  const oldest = await db.pool.query<{ delivery_id: string; event_id: string; attempt_count: number }>(
    `SELECT delivery_id, event_id, attempt_count FROM deliveries WHERE status = 'dead_lettered' ORDER BY created_at LIMIT 1`,
  );
  const dead = oldest.rows[0];
  expect((await getDelivery(db.pool, org, dead.delivery_id))?.status).toBe('dead_lettered');
  expect((await listAttempts(db.pool, dead.delivery_id)).map((a) => a.attempt)).toEqual(Array.from({ length: dead.attempt_count }, (_, i) => i + 1));
  expect((await getEvent(db.pool, org, dead.event_id))?.event_id).toBe(dead.event_id);
  expect((await loadDeliveryContext(db.pool, dead.delivery_id, new Date(0)))?.window_attempts).toBe(dead.attempt_count);
  const page = await listDeliveries(db.pool, org, {}, null, 50);
  expect(page.items).toHaveLength(50);
  expect((await listDeadLetters(db.pool, org, {}, 50)).map((d) => d.delivery_id)).toContain(dead.delivery_id);

  // A retried old dead letter records its attempt once, however often the answer is written.
  await markDeadLetterRetried(db.pool, dead.delivery_id);
  const token = randomUUID();
  const record = {
    deliveryId: dead.delivery_id, attemptToken: token, orgId: org, configId: 'main', circuit, startedAt: new Date(), durationMs: 30,
    statusCode: 200, errorClass: null, error: null, responseBody: 'ok', status: 'delivered' as const, nextAttemptAt: null,
  };
  expect(await recordAttempt(db.pool, record, HEALTH_AFTER_ATTEMPT)).toBe(dead.attempt_count + 1);
  expect(await recordAttempt(db.pool, record, HEALTH_AFTER_ATTEMPT)).toBe(dead.attempt_count + 1);
  expect((await getDelivery(db.pool, org, dead.delivery_id))?.status).toBe('delivered');
  expect(await listAttempts(db.pool, dead.delivery_id)).toHaveLength(dead.attempt_count + 1);

  // New history goes to today's partition.
  const eventId = uuidv7();
  const event = await insertEvent(db.pool, eventId, org, 'order.created', { n: 'new' });
  const deliveryId = uuidv7();
  await insertDeliveries(db.pool, event, [{ deliveryId, configId: 'main', workflowId: `delivery-${deliveryId}` }]);
  const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const newRows = await db.pool.query<{ e: string; d: string }>(
    `SELECT (SELECT tableoid::regclass::text FROM events WHERE event_id = $1) AS e, (SELECT tableoid::regclass::text FROM deliveries WHERE delivery_id = $2) AS d`,
    [eventId, deliveryId],
  );
  expect(newRows.rows[0]).toEqual({ e: `events_p${today}`, d: `deliveries_p${today}` });
  expect((await listDeliveries(db.pool, org, {}, null, 1)).items[0].delivery_id).toBe(deliveryId);

  // The old rows past a 5-day retention go row by row; the live dead letters' events stay.
  const expected = await db.pool.query<{ events: number; attempts: number }>(
    `SELECT count(DISTINCT e.event_id)::int AS events, count(a.attempt)::int AS attempts FROM events e
     JOIN deliveries d USING (event_id) LEFT JOIN delivery_attempts a USING (delivery_id)
     WHERE e.created_at < now() - interval '5 days' AND d.status NOT IN ('pending', 'retrying', 'dead_lettered')`,
  );
  expect(expected.rows[0].events).toBeGreaterThan(100);
  const purged = await purgeHistory(db.pool, 5 * 86_400_000, 1000);
  expect(purged).toEqual({ events: expected.rows[0].events, deliveries: expected.rows[0].events, attempts: expected.rows[0].attempts });
  const left = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM deliveries WHERE created_at < now() - interval '5 days' AND status <> 'dead_lettered'`,
  );
  expect(left.rows[0].n).toBe(0);
});
