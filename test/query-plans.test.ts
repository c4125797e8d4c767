/** Query plans: the hot queries read their indexes and day partitions instead of scanning whole tables. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../src/db/pool';
import { useDatabase } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';
import { HEALTH_AFTER_ATTEMPT } from '../src/core/endpoint-health';
import { listAttempts, recordAttempt } from '../src/db/attempts';
import { getDelivery, listDeliveries, loadDeliveryContext } from '../src/db/deliveries';
import { purgeExpiredKeysAndLeases } from '../src/db/retention';

const db = useDatabase('query-plans');

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The scans Postgres plans for the one statement a query function sends, e.g. "Seq Scan idempotency_keys". */
async function scansOf(call: (db: Queryable) => Promise<unknown>): Promise<string[]> {
  const scans: string[] = [];
  const walk = (node: PlanNode): void => {
    if (node['Node Type'].endsWith('Scan')) scans.push(`${node['Node Type']} ${node['Index Name'] ?? node['Relation Name'] ?? ''}`.trim());
    node.Plans?.forEach(walk);
  };
  const explaining = {
    query: async (text: string, values: unknown[] = []) => {
      const { rows } = await db.pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${text}`, values);
      walk(rows[0]['QUERY PLAN'][0].Plan);
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  await call(explaining);
  return scans;
}

test('the idempotency-key purge finds its batch through the expiry index, not a scan of every key, and removes only spent keys', async () => {
  const org = uniqueOrg();
  // A day of keys; the oldest 200 are past their 24 h.
  await db.pool.query(
    `INSERT INTO idempotency_keys (org_id, idempotency_key, event_id, response, expires_at)
     SELECT $1, 'key-' || i, gen_random_uuid(), '{}'::jsonb,
            now() + CASE WHEN i <= 200 THEN -interval '1 hour' ELSE interval '12 hours' END
     FROM generate_series(1, 20000) i`,
    [org],
  );
  await db.pool.query('ANALYZE idempotency_keys');

  const scans = await scansOf((explaining) => purgeExpiredKeysAndLeases(explaining, 1000));
  const keyScans = scans.filter((scan) => scan.includes('idempotency_keys'));
  expect(keyScans).not.toContain('Seq Scan idempotency_keys');
  expect(keyScans).toEqual(expect.arrayContaining([expect.stringMatching(/Index Scan idempotency_keys_expires_idx$/)]));

  expect(await purgeExpiredKeysAndLeases(db.pool, 1000)).toBe(200);
  const { rows } = await db.pool.query('SELECT count(*)::int AS live, min(expires_at) > now() AS all_live FROM idempotency_keys WHERE org_id = $1', [org]);
  expect(rows[0]).toEqual({ live: 19_800, all_live: true });
});

/** A UUIDv7-shaped id for a row written at `created_at`: its day's partition takes it, as it takes the service's ids. */
const idAt = (column: string): string =>
  `(lpad(to_hex((extract(epoch FROM ${column}) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 19))::uuid`;

test('a delivery list filtered by status reads the (org, status) index of each day partition instead of walking every delivery of the org', async () => {
  const org = uniqueOrg();
  // 20,000 deliveries of one org over the last 29 hours (two or three day partitions), one in 500
  // dead-lettered, beside a few of another org. The migration made partitions from yesterday on; shortly
  // after midnight UTC the 29 hours reach the day before, whose partition the retention run would make.
  await db.pool.query(
    `SELECT create_history_partitions(((now() - interval '30 hours') AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date)`,
  );
  await db.pool.query(
    `INSERT INTO events (event_id, org_id, event_name, data, created_at)
     SELECT ${idAt('t')}, CASE WHEN i % 20 = 0 THEN $2 ELSE $1 END, 'order.created', '{}'::jsonb, t
     FROM generate_series(1, 10500) i, LATERAL (SELECT now() - i * interval '10 seconds' AS t) at`,
    [org, uniqueOrg()],
  );
  await db.pool.query(
    `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, workflow_started_at, created_at)
     SELECT id, event_id, org_id, config_id, event_name,
            CASE WHEN row_number() OVER (ORDER BY created_at, config_id) % 500 = 0 THEN 'dead_lettered' ELSE 'delivered' END,
            'delivery-' || id, created_at, created_at
     FROM (SELECT ${idAt('e.created_at')} AS id, e.*, c.config_id FROM events e CROSS JOIN (VALUES ('a'), ('b')) c(config_id)) d`,
  );
  await db.pool.query('ANALYZE events, deliveries');
  const parts = await db.pool.query<{ part: string; n: number }>(
    `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM deliveries WHERE org_id = $1 GROUP BY 1`,
    [org],
  );
  expect(parts.rows.length).toBeGreaterThanOrEqual(1);
  expect(parts.rows.map((row) => row.part)).not.toContain('deliveries_default');

  const scans = await scansOf((explaining) => listDeliveries(explaining, org, { status: 'dead_lettered' }, null, 50));
  // Each partition holding many of the org's rows is read through an index that holds the status: the
  // (org, status) index, or the partial index of open deliveries (dead letters are among them), whichever
  // is smaller. A day only minutes old holds a few pages, which a sequential scan reads as cheaply.
  const large = parts.rows.filter((row) => row.n >= 1_000);
  expect(large.length).toBeGreaterThanOrEqual(1);
  for (const { part } of large) {
    const onPart = scans.filter((scan) => scan.startsWith(`Index Scan ${part}_`) || scan.endsWith(` ${part}`));
    expect(onPart.length).toBeGreaterThan(0);
    for (const scan of onPart) {
      expect([`Index Scan ${part}_org_id_status_created_at_delivery_id_idx`, `Index Scan ${part}_event_id_idx1`]).toContain(scan);
    }
  }

  const { rows } = await db.pool.query(`SELECT delivery_id FROM deliveries WHERE org_id = $1 AND status = 'dead_lettered'`, [org]);
  expect(rows.length).toBeGreaterThan(30);
  const page = await listDeliveries(db.pool, org, { status: 'dead_lettered' }, null, 50);
  expect(page.items.map((row) => row.delivery_id).sort()).toEqual(rows.map((row) => row.delivery_id).sort());
});

test('a delivery, its attempts, its attempt context and an attempt record each read one day partition, found from the id', async () => {
  const { rows } = await db.pool.query<{ delivery_id: string; org_id: string }>(`SELECT delivery_id, org_id FROM deliveries WHERE status = 'delivered' LIMIT 1`);
  const { delivery_id: deliveryId, org_id: org } = rows[0];
  const part = (await db.pool.query(`SELECT tableoid::regclass::text AS part FROM deliveries WHERE delivery_id = $1`, [deliveryId])).rows[0].part as string;
  const suffix = part.slice('deliveries_'.length);
  // The partitions of `table` a statement's scans touch.
  const partitionsRead = (scans: string[], table: string) =>
    [...new Set(scans.map((scan) => new RegExp(`\\b(${table}_(p\\d{8}|default))(_|$)`).exec(scan)?.[1]).filter(Boolean))];

  expect(partitionsRead(await scansOf((x) => getDelivery(x, org, deliveryId)), 'deliveries')).toEqual([`deliveries_${suffix}`]);
  expect(partitionsRead(await scansOf((x) => listAttempts(x, deliveryId)), 'delivery_attempts')).toEqual([`delivery_attempts_${suffix}`]);
  const context = await scansOf((x) => loadDeliveryContext(x, deliveryId, new Date()));
  expect(partitionsRead(context, 'deliveries')).toEqual([`deliveries_${suffix}`]);
  expect(partitionsRead(context, 'delivery_attempts')).toEqual([`delivery_attempts_${suffix}`]);
  const record = await scansOf((x) =>
    recordAttempt(x, {
      deliveryId, attemptToken: randomUUID(), orgId: org, configId: 'a', circuit: { threshold: 5, cooldownMs: 1000 }, startedAt: new Date(),
      durationMs: 5, statusCode: 200, errorClass: null, error: null, responseBody: null, status: 'delivered', nextAttemptAt: null,
    }, HEALTH_AFTER_ATTEMPT),
  );
  expect(partitionsRead(record, 'deliveries')).toEqual([`deliveries_${suffix}`]);
  expect(partitionsRead(record, 'delivery_attempts')).toEqual([`delivery_attempts_${suffix}`]);
});
