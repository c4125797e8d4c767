import type { Db } from '../src/db/pool';
import { createDeliveryQueries } from '../src/db/deliveries';
import { createRetentionQueries } from '../src/db/retention';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { uniqueOrg } from './helpers/scenario';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('query-plans');
});
afterAll(async () => {
  await db.drop();
});

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** The scans Postgres plans for the one statement a query function sends, e.g. "Seq Scan idempotency_keys". */
async function scansOf(call: (db: Db) => Promise<unknown>): Promise<string[]> {
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
  } as unknown as Db;
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

  const scans = await scansOf((explaining) => createRetentionQueries(explaining).purgeExpiredKeysAndLeases(1000));
  const keyScans = scans.filter((scan) => scan.includes('idempotency_keys'));
  expect(keyScans).not.toContain('Seq Scan idempotency_keys');
  expect(keyScans).toEqual(expect.arrayContaining([expect.stringMatching(/Index Scan idempotency_keys_expires_idx$/)]));

  expect(await createRetentionQueries(db.pool).purgeExpiredKeysAndLeases(1000)).toBe(200);
  const { rows } = await db.pool.query('SELECT count(*)::int AS live, min(expires_at) > now() AS all_live FROM idempotency_keys WHERE org_id = $1', [org]);
  expect(rows[0]).toEqual({ live: 19_800, all_live: true });
});

test('a delivery list filtered by status reads the (org, status) index instead of walking every delivery of the org', async () => {
  const org = uniqueOrg();
  // 20,000 deliveries of one org, one in 500 dead-lettered, beside a few of another org.
  await db.pool.query(
    `INSERT INTO events (event_id, org_id, event_name, data, created_at)
     SELECT gen_random_uuid(), CASE WHEN i % 20 = 0 THEN $2 ELSE $1 END, 'order.created', '{}'::jsonb, now() - i * interval '1 minute'
     FROM generate_series(1, 10500) i`,
    [org, uniqueOrg()],
  );
  await db.pool.query(
    `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, workflow_started_at, created_at)
     SELECT id, event_id, org_id, config_id, event_name,
            CASE WHEN row_number() OVER (ORDER BY created_at, config_id) % 500 = 0 THEN 'dead_lettered' ELSE 'delivered' END,
            'delivery-' || id, created_at, created_at
     FROM (SELECT gen_random_uuid() AS id, e.*, c.config_id FROM events e CROSS JOIN (VALUES ('a'), ('b')) c(config_id)) d`,
  );
  await db.pool.query('ANALYZE events, deliveries');

  const scans = await scansOf((explaining) => createDeliveryQueries(explaining).listDeliveries(org, { status: 'dead_lettered' }, null, 50));
  expect(scans).not.toContain('Seq Scan deliveries');
  expect(scans).toEqual(expect.arrayContaining([expect.stringMatching(/Index Scan deliveries_org_status_created_idx$/)]));

  const { rows } = await db.pool.query(`SELECT delivery_id FROM deliveries WHERE org_id = $1 AND status = 'dead_lettered'`, [org]);
  expect(rows.length).toBeGreaterThan(30);
  const page = await createDeliveryQueries(db.pool).listDeliveries(org, { status: 'dead_lettered' }, null, 50);
  expect(page.items.map((row) => row.delivery_id).sort()).toEqual(rows.map((row) => row.delivery_id).sort());
});
