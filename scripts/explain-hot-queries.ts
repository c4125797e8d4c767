/**
 * `npx tsx scripts/explain-hot-queries.ts <admin-postgres-url> [--deliveries N] [--days D] [--runs R] [--keep]`
 *
 * Builds a scratch database (created here, dropped at the end unless --keep) holding N deliveries
 * (1,000,000 by default) with events, attempts, dead letters, idempotency keys and leases in the
 * proportions of a running service, then runs EXPLAIN (ANALYZE, BUFFERS) on every hot query before and
 * after the index migration. The SQL explained is the service's own: each query function runs against a
 * recorder that keeps its text and parameters. Writes run inside a transaction that is rolled back, so
 * every run sees the same data.
 *
 * The data: 50 orgs of 4 configs each; org sizes are skewed (the largest, which the org queries read,
 * holds about 14 % of all deliveries); each event goes to 2 configs; events are spread evenly over
 * D days (90 by default, as HISTORY_RETENTION; the history purge is explained with D days as its
 * retention) plus one day past it for the purge to remove. Deliveries younger than 2 minutes are
 * pending (half of them not started yet), 4 % of those younger than the 24 h retry window are
 * retrying, 2 % of older ones were dead-lettered (expired 14 days later), the rest were delivered;
 * 10 % of delivered ones needed 2 or 3 attempts, dead letters have 12. Every event of the last 25 hours
 * carries an idempotency key (one hour of them spent, as between two hourly purges).
 *
 * Prints a markdown table on stdout (the one in docs/operations.md); progress on stderr.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { HEALTH_AFTER_ATTEMPT } from '../src/core/endpoint-health';
import { listAttempts, recordAttempt } from '../src/db/attempts';
import { listDeadLetters } from '../src/db/dead-letters';
import { getDelivery, insertDeliveries, listDeliveries, listUnstartedDeliveries, loadDeliveryContext } from '../src/db/deliveries';
import type { EventRow } from '../src/db/events';
import { findMigrationsDir, migrate } from '../src/db/migrate';
import { createPool, type Queryable, type Pool } from '../src/db/pool';
import { purgeExpiredDeadLetters, purgeExpiredKeysAndLeases, purgeHistory } from '../src/db/retention';

/**
 * The migration whose effect is measured: "before" is every migration below it, "after" every migration
 * (so the service's current queries run on the schema they were written for; rows written with UUIDv4
 * ids sit in the default partitions of 008, as in a database migrated onto day partitions).
 */
const INDEX_MIGRATION = '005_hot_query_indexes.sql';
const BIG_ORG = 'org-01';
const PAGE = 50;
const PURGE_BATCH = 1000;
const DAY_MS = 24 * 3600 * 1000;
const RECONCILE_MIN_AGE_MS = 10_000;
const RECONCILE_BATCH = 500;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    deliveries: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
  },
});

const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
};

interface Recorded {
  text: string;
  values: unknown[];
}

/** The one statement a query function sends, recorded instead of run. */
async function statementOf(call: (db: Queryable) => Promise<unknown>): Promise<Recorded> {
  const seen: Recorded[] = [];
  const recorder = {
    query: async (text: string, values: unknown[] = []) => {
      seen.push({ text, values });
      return { rows: [], rowCount: 0 };
    },
  } as unknown as Queryable;
  await call(recorder);
  if (seen.length !== 1) throw new Error(`expected one statement, got ${seen.length}`);
  return seen[0];
}

interface PlanNode {
  'Node Type': string;
  Operation?: string;
  'Parent Relationship'?: string;
  'Subplan Name'?: string;
  'CTE Name'?: string;
  'Workers Launched'?: number;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

interface Explained {
  Plan: PlanNode;
  'Execution Time': number;
}

export interface PlanSummary {
  /** Scans in plan order, e.g. "Index Scan deliveries_org_created_idx", "Seq Scan idempotency_keys". */
  scans: string[];
  /** Rows the statement's top node returned (or wrote). */
  rows: number;
  /** Rows the scans read, including those their filters then dropped. */
  rowsRead: number;
  /** Shared buffers (8 kB pages) the scans touched, from cache or disk; a page read twice counts twice. */
  scanPages: number;
  /** The same for the whole statement: scans, and the heap and index upkeep of its writes. */
  pages: number;
  /** Median execution time over the runs, in ms. */
  ms: number;
}

const SCAN_TYPES = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan', 'Tid Scan']);

const pagesOf = (node: PlanNode): number => node['Shared Hit Blocks'] + node['Shared Read Blocks'];

function summarize(runs: Explained[]): PlanSummary {
  const times = runs.map((run) => run['Execution Time']).sort((a, b) => a - b);
  const plan = runs[runs.length - 1].Plan;
  const nodes: PlanNode[] = [];
  const collect = (node: PlanNode): void => {
    nodes.push(node);
    node.Plans?.forEach(collect);
  };
  collect(plan);

  const scans: string[] = [];
  let rowsRead = 0;
  let scanPages = 0;
  for (const node of nodes) {
    const type = node['Node Type'];
    // Workers read ahead of a LIMIT: the rows a parallel plan reads vary from run to run.
    if (type === 'Gather' || type === 'Gather Merge') scans.push(`${type} (${node['Workers Launched'] ?? 0} workers)`);
    if (type === 'Bitmap Index Scan') scans.push(`Bitmap Index Scan ${node['Index Name']}`);
    if (!SCAN_TYPES.has(type)) continue;
    if (type !== 'Bitmap Heap Scan') scans.push(`${type} ${node['Index Name'] ?? node['Relation Name']}`);
    const perLoop = node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
    rowsRead += Math.round(perLoop * node['Actual Loops']);
    // A bitmap heap scan's pages include those of its bitmap index scans.
    scanPages += pagesOf(node);
  }
  // Node counts include their children. A data-modifying CTE that nothing reads runs after the main
  // plan, outside it: its pages are added on their own.
  const scannedCtes = new Set(nodes.filter((node) => node['Node Type'] === 'CTE Scan').map((node) => node['CTE Name']));
  const unreadCtes = nodes.filter((node) => node['Subplan Name']?.startsWith('CTE ') && !scannedCtes.has(node['Subplan Name'].slice(4)));
  const pages = pagesOf(plan) + unreadCtes.reduce((sum, node) => sum + pagesOf(node), 0);
  // A plain insert reads nothing: name what it writes, and how many rows.
  const writesOnly = scans.length === 0 && plan['Node Type'] === 'ModifyTable';
  if (writesOnly) scans.push(`${plan.Operation} ${plan['Relation Name']}`);
  const rows = writesOnly ? (plan.Plans?.[0]?.['Actual Rows'] ?? 0) : plan['Actual Rows'];
  return { scans: [...new Set(scans)], rows, rowsRead, scanPages, pages, ms: times[Math.floor(times.length / 2)] };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of one statement, `runs` times, each in a transaction rolled back. Null when the
 * schema cannot run it (a query of a later layout, such as the purge of the default partitions of 008).
 */
async function explain(pool: Pool, statement: Recorded, runs: number): Promise<PlanSummary | null> {
  const client = await pool.connect();
  try {
    const results: Explained[] = [];
    // One run more than measured: the first warms the cache, as a query that runs all the time finds it.
    for (let i = 0; i <= runs; i++) {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query<{ 'QUERY PLAN': Explained[] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${statement.text}`, statement.values);
        if (i > 0) results.push(rows[0]['QUERY PLAN'][0]);
      } catch (error) {
        // 42P01: no such table, 42703: no such column.
        if (!['42P01', '42703'].includes((error as { code?: string }).code ?? '')) throw error;
        return null;
      } finally {
        await client.query('ROLLBACK');
      }
    }
    return summarize(results);
  } finally {
    client.release();
  }
}

/** A directory holding the migrations up to `last` (inclusive or not), for migrate(). */
async function migrationsUpTo(last: string, inclusive: boolean): Promise<string> {
  const source = findMigrationsDir();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'explain-migrations-'));
  for (const file of (await readdir(source)).filter((name) => name.endsWith('.sql')).sort()) {
    if (inclusive ? file <= last : file < last) await copyFile(path.join(source, file), path.join(dir, file));
  }
  return dir;
}

async function buildData(pool: Pool, deliveries: number, days: number): Promise<void> {
  const events = Math.round(deliveries / 2);
  const client = await pool.connect();
  try {
    // One session, seeded: the same arguments build the same data.
    await client.query('SELECT setseed(0.42)');
    log('configs');
    await client.query(
      `INSERT INTO webhook_configs (org_id, config_id, url, event_names, secret)
       SELECT format('org-%s', lpad(o::text, 2, '0')), c, 'https://receiver.example/' || c, ARRAY['*'], 'sealed'
       FROM generate_series(1, 50) o CROSS JOIN unnest(ARRAY['orders', 'billing', 'audit', 'crm']) c`,
    );
    log(`${events} events over ${days + 1} days`);
    await client.query(
      `INSERT INTO events (event_id, org_id, event_name, data, created_at)
       SELECT gen_random_uuid(),
              format('org-%s', lpad((1 + floor(50 * random() ^ 2))::int::text, 2, '0')),
              'event.' || floor(random() * 10)::int,
              jsonb_build_object('n', i, 'customer', md5(i::text), 'note', repeat('x', 200)),
              now() - ($2::int + 1) * interval '1 day' * (1 - i::double precision / $1)
       FROM generate_series(1, $1::int) i`,
      [events, days],
    );
    // Fresh statistics: the plan of the next insert, and so the order of its random draws, stays the same.
    await client.query('ANALYZE events');
    log(`${events * 2} deliveries`);
    await client.query(
      `WITH per_event AS MATERIALIZED (SELECT *, floor(random() * 4)::int AS k FROM events ORDER BY created_at)
       INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, workflow_started_at,
                               attempt_count, last_status_code, last_error, next_attempt_at, delivered_at, created_at, updated_at)
       SELECT id, event_id, org_id, config_id, event_name, status, 'delivery-' || id,
              CASE WHEN status = 'pending' AND r2 < 0.5 THEN NULL ELSE created_at + interval '50 ms' END,
              attempts,
              CASE WHEN status = 'delivered' THEN 200 WHEN attempts > 0 THEN 503 END,
              CASE WHEN status IN ('retrying', 'dead_lettered', 'expired') THEN 'HTTP 503' END,
              CASE WHEN status = 'retrying' THEN now() + interval '10 minutes' END,
              CASE WHEN status = 'delivered' THEN created_at + attempts * interval '1 minute' END,
              created_at, created_at + attempts * interval '1 minute'
       FROM (
         SELECT x.*, CASE status
                       WHEN 'delivered' THEN CASE WHEN r2 < 0.1 THEN 2 + floor(random() * 2)::int ELSE 1 END
                       WHEN 'retrying' THEN 1 + floor(r2 * 8)::int
                       WHEN 'pending' THEN 0
                       ELSE 12 END AS attempts
         FROM (
           SELECT id, event_id, org_id, event_name, created_at, r2,
                  (ARRAY['orders', 'billing', 'audit', 'crm'])[1 + (k + fk) % 4] AS config_id,
                  CASE WHEN created_at > now() - interval '2 minutes' THEN 'pending'
                       WHEN created_at > now() - interval '1 day' AND r < 0.04 THEN 'retrying'
                       WHEN created_at > now() - interval '15 days' AND r < 0.02 THEN 'dead_lettered'
                       WHEN r < 0.02 THEN 'expired'
                       ELSE 'delivered' END AS status
           FROM (
             -- OFFSET 0 keeps each row's random draws as one value however often they are read; the
             -- event's draw is materialized once, so its two deliveries go to two different configs.
             SELECT gen_random_uuid() AS id, e.*, f.k AS fk, random() AS r, random() AS r2
             FROM per_event e
             CROSS JOIN (VALUES (0), (1)) f(k)
             OFFSET 0
           ) drawn
         ) x
       ) y
       ORDER BY created_at`,
    );
    log('attempts');
    await client.query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body)
       SELECT d.delivery_id, a, d.created_at + (a - 1) * interval '1 minute', 40 + floor(random() * 200)::int,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN 200 ELSE 503 END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN NULL ELSE 'http_status' END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN NULL ELSE 'HTTP 503' END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN '{"ok":true}' ELSE 'Service Unavailable' END
       FROM deliveries d CROSS JOIN LATERAL generate_series(1, d.attempt_count) a`,
    );
    log('dead letters, idempotency keys, leases');
    // Dead letters live 14 days; those that expired in the last hour wait for the next purge.
    await client.query(
      `INSERT INTO dead_letters (delivery_id, event_id, org_id, config_id, event_name, reason, last_status_code, last_error,
                                 attempt_count, created_at, expires_at)
       SELECT delivery_id, event_id, org_id, config_id, event_name, 'retry window spent; last error: HTTP 503', 503, 'HTTP 503',
              attempt_count, created_at + interval '1 day', created_at + interval '15 days'
       FROM deliveries
       WHERE status = 'dead_lettered' OR (status = 'expired' AND created_at > now() - interval '15 days 1 hour')`,
    );
    await client.query(
      `INSERT INTO idempotency_keys (org_id, idempotency_key, event_id, response, expires_at)
       SELECT org_id, 'key-' || event_id, event_id, jsonb_build_object('eventId', event_id, 'deliveries', '[]'::jsonb),
              created_at + interval '24 hours'
       FROM events WHERE created_at > now() - interval '25 hours'`,
    );
    await client.query(
      `INSERT INTO delivery_leases (delivery_id, org_id, config_id, expires_at)
       SELECT delivery_id, org_id, config_id, now() + CASE WHEN random() < 0.1 THEN -interval '1 minute' ELSE interval '30 seconds' END
       FROM deliveries WHERE status IN ('pending', 'retrying') LIMIT 200`,
    );
    log('vacuum analyze');
    await client.query('VACUUM ANALYZE');
  } finally {
    client.release();
  }
}

interface HotQuery {
  name: string;
  statement: Recorded;
}

/** `days` is the history retention the data was built for. */
async function hotQueries(pool: Pool, days: number): Promise<HotQuery[]> {
  const sample = async <T>(sql: string, values: unknown[] = []): Promise<T> => {
    const { rows } = await pool.query(sql, values);
    if (!rows[0]) throw new Error(`no sample row for: ${sql}`);
    return rows[0] as T;
  };
  const delivered = await sample<{ delivery_id: string }>(
    `SELECT delivery_id FROM deliveries WHERE org_id = $1 AND status = 'delivered' AND attempt_count = 3 ORDER BY created_at DESC LIMIT 1`,
    [BIG_ORG],
  );
  const retrying = await sample<{ delivery_id: string; org_id: string; config_id: string }>(
    `SELECT delivery_id, org_id, config_id FROM deliveries WHERE org_id = $1 AND status = 'retrying' LIMIT 1`,
    [BIG_ORG],
  );
  const event = await sample<EventRow>(`SELECT * FROM events WHERE org_id = $1 ORDER BY created_at DESC LIMIT 1`, [BIG_ORG]);
  // The cursor of the 10th page of the largest org.
  const cursor = await sample<{ created_at: Date; delivery_id: string }>(
    `SELECT created_at, delivery_id FROM deliveries WHERE org_id = $1 ORDER BY created_at DESC, delivery_id DESC OFFSET $2 LIMIT 1`,
    [BIG_ORG, PAGE * 10 - 1],
  );

  const list = (filter: Parameters<typeof listDeliveries>[2], at: typeof cursor | null = null) =>
    statementOf((db) => listDeliveries(db, BIG_ORG, filter, at && { createdAt: at.created_at, id: at.delivery_id }, PAGE));

  const attempt = (status: 'retrying' | 'delivered') =>
    statementOf((db) =>
      recordAttempt(db, {
        deliveryId: retrying.delivery_id,
        orgId: retrying.org_id,
        configId: retrying.config_id,
        circuit: { threshold: 5, cooldownMs: 30_000 },
        startedAt: new Date(),
        durationMs: 120,
        statusCode: status === 'delivered' ? 200 : 503,
        errorClass: status === 'delivered' ? null : 'http_status',
        error: status === 'delivered' ? null : 'HTTP 503',
        responseBody: status === 'delivered' ? '{"ok":true}' : 'Service Unavailable',
        status,
        nextAttemptAt: status === 'delivered' ? null : new Date(Date.now() + 60_000),
        attemptToken: randomUUID(),
      }, HEALTH_AFTER_ATTEMPT),
    );

  return [
    { name: 'Delivery list, newest 50', statement: await list({}) },
    { name: 'Delivery list, `status=dead_lettered`', statement: await list({ status: 'dead_lettered' }) },
    { name: 'Delivery list, `status=pending` (a rare status)', statement: await list({ status: 'pending' }) },
    { name: 'Delivery list, `configId`', statement: await list({ configId: 'audit' }) },
    { name: 'Delivery list, `eventName`', statement: await list({ eventName: 'event.3' }) },
    { name: 'Delivery list, 10th page (cursor)', statement: await list({}, cursor) },
    { name: 'Delivery list, `status=delivered`, 10th page', statement: await list({ status: 'delivered' }, cursor) },
    { name: 'Get one delivery', statement: await statementOf((db) => getDelivery(db, BIG_ORG, delivered.delivery_id)) },
    { name: 'List attempts', statement: await statementOf((db) => listAttempts(db, delivered.delivery_id)) },
    { name: 'loadDeliveryContext', statement: await statementOf((db) => loadDeliveryContext(db, retrying.delivery_id, new Date(Date.now() - 86_400_000))) },
    { name: 'recordAttempt, failed (status unchanged)', statement: await attempt('retrying') },
    { name: 'recordAttempt, delivered (status changes)', statement: await attempt('delivered') },
    {
      name: 'insertDeliveries (publish, 2 configs)',
      statement: await statementOf((db) =>
        insertDeliveries(
          db,
          event,
          ['orders', 'billing'].map((configId) => {
            const deliveryId = randomUUID();
            return { deliveryId, configId, workflowId: `delivery-${deliveryId}` };
          }),
        ),
      ),
    },
    {
      name: 'listUnstartedDeliveries (reconciler)',
      statement: await statementOf((db) => listUnstartedDeliveries(db, RECONCILE_MIN_AGE_MS, RECONCILE_BATCH)),
    },
    { name: 'Purge: expired dead letters', statement: await statementOf((db) => purgeExpiredDeadLetters(db, PURGE_BATCH)) },
    { name: 'Purge: history', statement: await statementOf((db) => purgeHistory(db, days * DAY_MS, PURGE_BATCH)) },
    {
      name: 'Purge: idempotency keys and leases',
      statement: await statementOf((db) => purgeExpiredKeysAndLeases(db, PURGE_BATCH)),
    },
    { name: 'Dead-letter list', statement: await statementOf((db) => listDeadLetters(db, BIG_ORG, {}, PAGE)) },
  ];
}

async function explainAll(pool: Pool, queries: HotQuery[], runs: number): Promise<(PlanSummary | null)[]> {
  const summaries: (PlanSummary | null)[] = [];
  for (const query of queries) {
    log(`explain: ${query.name}`);
    summaries.push(await explain(pool, query.statement, runs));
  }
  return summaries;
}

/** Index scans counted by Postgres over the runs, cascades included: shows an index nothing reads. */
async function indexScans(pool: Pool): Promise<Map<string, number>> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_stat_force_next_flush()');
    await client.query('SELECT 1');
    const { rows } = await client.query<{ name: string; scans: number }>(
      `SELECT indexrelname AS name, idx_scan AS scans FROM pg_stat_user_indexes WHERE relname = 'deliveries' ORDER BY indexrelname`,
    );
    return new Map(rows.map((row) => [row.name, Number(row.scans)]));
  } finally {
    client.release();
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const ms = (value: number): string => (value < 10 ? value.toFixed(2) : value.toFixed(0));
const change = (before: string, after: string): string => (before === after ? before : `${before} → ${after}`);
const NONE: PlanSummary = { scans: ['(not in this schema)'], rows: 0, rowsRead: 0, scanPages: 0, pages: 0, ms: 0 };
const row = (name: string, maybeBefore: PlanSummary | null, maybeAfter: PlanSummary | null): string => {
  const before = maybeBefore ?? NONE;
  const after = maybeAfter ?? NONE;
  return [
    name,
    before.scans.join(' + '),
    after.scans.join(' + ') === before.scans.join(' + ') ? 'same' : after.scans.join(' + '),
    change(fmt(before.rows), fmt(after.rows)),
    `${fmt(before.rowsRead)} → ${fmt(after.rowsRead)}`,
    `${fmt(before.scanPages)} → ${fmt(after.scanPages)}`,
    `${fmt(before.pages)} → ${fmt(after.pages)}`,
    `${ms(before.ms)} → ${ms(after.ms)}`,
  ].join(' | ');
};

async function main(): Promise<void> {
  const adminUrl = positionals[0];
  if (!adminUrl) throw new Error('usage: tsx scripts/explain-hot-queries.ts <admin-postgres-url> [--deliveries N] [--days D] [--runs R] [--keep]');
  const deliveries = Number(args.deliveries);
  const days = Number(args.days);
  const runs = Number(args.runs);
  if (!Number.isInteger(deliveries) || deliveries < 1000) throw new Error('--deliveries: an integer of at least 1000');
  if (!Number.isInteger(days) || days < 1) throw new Error('--days: a positive integer');
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs: a positive integer');

  const name = `tw_explain_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 2, applicationName: 'explain-hot-queries' });
  const dirs: string[] = [];
  try {
    log(`scratch database ${name}`);
    const before = await migrationsUpTo(INDEX_MIGRATION, false);
    const after = findMigrationsDir();
    dirs.push(before);
    await migrate(pool, before);
    const building = Date.now();
    await buildData(pool, deliveries, days);
    log(`data built in ${((Date.now() - building) / 1000).toFixed(0)} s`);
    const queries = await hotQueries(pool, days);

    await pool.query('SELECT pg_stat_reset()');
    const planBefore = await explainAll(pool, queries, runs);
    const scansBefore = await indexScans(pool);

    const migrating = Date.now();
    const { applied } = await migrate(pool, after);
    const migrationMs = Date.now() - migrating;
    await pool.query('ANALYZE');
    const planAfter = await explainAll(pool, queries, runs);

    const { rows: counts } = await pool.query<Record<string, number>>(
      `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries,
              (SELECT count(*) FROM delivery_attempts) AS attempts, (SELECT count(*) FROM dead_letters) AS dead_letters,
              (SELECT count(*) FROM idempotency_keys) AS idempotency_keys, (SELECT count(*) FROM delivery_leases) AS leases,
              (SELECT count(*) FROM deliveries WHERE org_id = $1) AS big_org,
              pg_size_pretty(pg_total_relation_size('deliveries')) AS deliveries_size,
              pg_size_pretty(pg_relation_size('deliveries_org_status_created_idx')) AS status_index_size`,
      [BIG_ORG],
    );
    const { rows: settings } = await pool.query<{ version: string; shared_buffers: string; work_mem: string }>(
      `SELECT split_part(version(), ' ', 2) AS version, current_setting('shared_buffers') AS shared_buffers, current_setting('work_mem') AS work_mem`,
    );

    const out: string[] = [];
    out.push(`Postgres ${settings[0].version} (shared_buffers ${settings[0].shared_buffers}, work_mem ${settings[0].work_mem}); ` +
      `median of ${runs} runs after one warm-up run. Rows: ${Object.entries(counts[0]).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v) : v}`).join(', ')}.`);
    out.push(`Applying ${applied.join(', ')} took ${fmt(migrationMs)} ms.`);
    out.push(`Index scans of deliveries indexes over the "before" runs (cascades included): ${[...scansBefore].map(([k, v]) => `${k} ${v}`).join(', ')}.`);
    out.push('');
    out.push('| Query | Plan before | Plan after | Rows | Rows read | Pages scanned | Pages in all | ms |');
    out.push('|---|---|---|--:|--:|--:|--:|--:|');
    queries.forEach((query, i) => out.push(`| ${row(query.name, planBefore[i], planAfter[i])} |`));
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await pool.end();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    if (args.keep) log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
