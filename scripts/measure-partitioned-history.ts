/**
 * `npx tsx scripts/measure-partitioned-history.ts <admin-postgres-url> [--attempts N] [--days D] [--publishes P] [--lists L] [--keep]`
 *
 * How partitioned history (migration 013) behaves as it grows. In a scratch database (created here,
 * dropped at the end unless --keep), fully migrated, it writes N attempts (5,000,000 by default) spread
 * over the D days before today (10 by default), one day at a time, by SQL in Postgres: 50 orgs of 3 configs,
 * 3 deliveries per event (one per config), 5 % of first attempts failing (those deliveries take 2 to 4
 * attempts, a few end dead-lettered), ids UUIDv7 as the service writes them, so each day fills its own
 * partition. Then:
 *
 * - publish: P publishes (2,000 by default), one after another, each the service's own transaction
 *   (`writeEvent`: idempotency key, event, 3 deliveries), with Temporal left out: the part of a publish
 *   that history could slow down. p50 / p99 / max in ms.
 * - list: L runs (300 by default) each of the delivery list of the largest org (newest 50; status=retrying;
 *   10th page through the cursor), with the service's own query. p50 / p99 in ms.
 *
 * both after the first day is written ("start") and after the last ("end"). Finally it retires the oldest
 * day by dropping its partitions (retire_history_day), and deletes the next day, of the same size, row by
 * row in batches of 1,000 events as the purge did before partitioning; it reports the time and the WAL
 * each wrote. Prints a markdown table on stdout; progress on stderr.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { listDeliveries } from '../src/db/deliveries';
import { migrate } from '../src/db/migrate';
import { createPool, type Pool, withTransaction } from '../src/db/pool';
import { retireDay } from '../src/db/retention';
import { writeEvent } from '../src/delivery/publisher';

const BIG_ORG = 'org-01';
const PAGE = 50;
const DELETE_BATCH = 1000;
/** Attempts per delivery: 95 % take one, the 5 % whose first attempt fails take 2-4 (3 on average). */
const ATTEMPTS_PER_DELIVERY = 0.95 + 0.05 * 3;

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    attempts: { type: 'string', default: '5000000' },
    days: { type: 'string', default: '10' },
    publishes: { type: 'string', default: '2000' },
    lists: { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
  },
});

const log = (message: string): void => {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
};

/** A UUIDv7-shaped id for a row written at `column`, in SQL (random bits from random()). */
const v7 = (column: string): string =>
  `(lpad(to_hex((extract(epoch FROM ${column}) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3)
    || '8' || substr(md5(random()::text), 1, 15))::uuid`;

async function writeDay(pool: Pool, day: string, events: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(
      `INSERT INTO events (event_id, org_id, event_name, data, created_at)
       SELECT ${v7('t')}, org, 'event.' || k, jsonb_build_object('n', i, 'customer', md5(i::text), 'note', repeat('x', 200)), t
       FROM (
         SELECT i, $1::date::timestamp AT TIME ZONE 'UTC' + (i - 0.5) / $2::double precision * interval '1 day' AS t,
                format('org-%s', lpad((1 + floor(50 * random() ^ 2))::int::text, 2, '0')) AS org, floor(random() * 10)::int AS k
         FROM generate_series(1, $2::int) i
       ) x`,
      [day, events],
    );
    await client.query(
      `INSERT INTO deliveries (delivery_id, event_id, org_id, config_id, event_name, status, workflow_id, workflow_started_at,
                               attempt_count, last_status_code, last_error, delivered_at, created_at, updated_at)
       SELECT id, event_id, org_id, config_id, event_name, status, 'delivery-' || id, created_at, attempts,
              CASE WHEN status = 'delivered' THEN 200 ELSE 503 END, CASE WHEN status = 'delivered' THEN NULL ELSE 'HTTP 503' END,
              CASE WHEN status = 'delivered' THEN created_at + attempts * interval '10 seconds' END, created_at,
              created_at + attempts * interval '10 seconds'
       FROM (
         SELECT ${v7('e.created_at')} AS id, e.event_id, e.org_id, c.config_id, e.event_name, e.created_at,
                CASE WHEN r < 0.05 THEN 2 + floor(random() * 3)::int ELSE 1 END AS attempts,
                CASE WHEN r < 0.002 THEN 'dead_lettered' ELSE 'delivered' END AS status
         FROM (SELECT *, random() AS r FROM events
               WHERE event_id >= history_day_bound($1::date) AND event_id < history_day_bound($1::date + 1)) e
         CROSS JOIN (VALUES ('orders'), ('billing'), ('audit')) c(config_id)
       ) d`,
      [day],
    );
    await client.query(
      `INSERT INTO delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error_class, error, response_body, attempt_token)
       SELECT d.delivery_id, a, d.created_at + (a - 1) * interval '10 seconds', 40 + floor(random() * 200)::int,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN 200 ELSE 503 END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN NULL ELSE 'http_status' END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN NULL ELSE 'HTTP 503' END,
              CASE WHEN d.status = 'delivered' AND a = d.attempt_count THEN '{"ok":true}' ELSE 'Service Unavailable' END,
              gen_random_uuid()
       FROM deliveries d CROSS JOIN LATERAL generate_series(1, d.attempt_count) a
       WHERE d.delivery_id >= history_day_bound($1::date) AND d.delivery_id < history_day_bound($1::date + 1)`,
      [day],
    );
    await client.query(
      `INSERT INTO dead_letters (delivery_id, event_id, org_id, config_id, event_name, reason, last_status_code, last_error,
                                 attempt_count, created_at, expires_at)
       SELECT delivery_id, event_id, org_id, config_id, event_name, 'retry window spent', 503, 'HTTP 503', attempt_count,
              created_at + interval '1 day', created_at + interval '15 days'
       FROM deliveries
       WHERE status = 'dead_lettered' AND delivery_id >= history_day_bound($1::date) AND delivery_id < history_day_bound($1::date + 1)`,
      [day],
    );
    await client.query('ANALYZE events, deliveries, delivery_attempts');
  } finally {
    client.release();
  }
}

interface Timing {
  p50: number;
  p99: number;
  max: number;
}

function timingOf(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const began = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - began) / 1e6;
}

interface Point {
  label: string;
  /** The machine's 1-minute load average when the measurement began: the machine is shared. */
  load: number;
  /** EXPLAIN (ANALYZE, BUFFERS) of the newest-50 list: planning and execution ms, shared buffers touched. */
  listPlan: { planningMs: number; executionMs: number; buffers: number };
  rows: Record<string, number>;
  publish: Timing;
  lists: Record<string, Timing>;
}

async function measure(pool: Pool, label: string, publishes: number, lists: number): Promise<Point> {
  // Dirty pages of the rows just written are flushed first, so a checkpoint does not land in the middle.
  await pool.query('CHECKPOINT');
  const load = os.loadavg()[0];
  log(`${label}: ${publishes} publishes (load average ${load.toFixed(1)})`);
  const samples: number[] = [];
  for (let i = 0; i < publishes; i++) {
    const org = `org-${String(1 + (i % 50)).padStart(2, '0')}`;
    samples.push(
      await timed(() =>
        withTransaction(pool, (client) =>
          writeEvent(client, { orgId: org, eventName: 'event.1', data: { n: i, note: 'x'.repeat(200) }, idempotencyKey: `${label}-${i}` }),
        ),
      ),
    );
  }
  const cursorRow = await pool.query<{ created_at: Date; delivery_id: string }>(
    `SELECT created_at, delivery_id FROM deliveries WHERE org_id = $1 ORDER BY created_at DESC, delivery_id DESC OFFSET $2 LIMIT 1`,
    [BIG_ORG, PAGE * 10 - 1],
  );
  const cursor = { createdAt: cursorRow.rows[0].created_at, id: cursorRow.rows[0].delivery_id };
  const listRuns: Record<string, () => Promise<unknown>> = {
    'newest 50': () => listDeliveries(pool, BIG_ORG, {}, null, PAGE),
    'status=dead_lettered': () => listDeliveries(pool, BIG_ORG, { status: 'dead_lettered' }, null, PAGE),
    '10th page (cursor)': () => listDeliveries(pool, BIG_ORG, {}, cursor, PAGE),
  };
  const listTimings: Record<string, Timing> = {};
  for (const [name, run] of Object.entries(listRuns)) {
    log(`${label}: ${lists} × list ${name}`);
    await run();
    const runs: number[] = [];
    for (let i = 0; i < lists; i++) runs.push(await timed(run));
    listTimings[name] = timingOf(runs);
  }
  const explained = await pool.query<{ 'QUERY PLAN': { 'Planning Time': number; 'Execution Time': number; Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }[] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM deliveries WHERE org_id = $1 ORDER BY created_at DESC, delivery_id DESC LIMIT 51`,
    [BIG_ORG],
  );
  const plan = explained.rows[0]['QUERY PLAN'][0];
  const listPlan = {
    planningMs: plan['Planning Time'],
    executionMs: plan['Execution Time'],
    buffers: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'],
  };
  const { rows } = await pool.query<Record<string, string>>(
    `SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries,
            (SELECT count(*) FROM delivery_attempts) AS attempts,
            (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relname ~ '^(events|deliveries|delivery_attempts)_(p[0-9]{8}|default)$') AS bytes`,
  );
  return {
    label,
    load,
    listPlan,
    rows: Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, Number(v)])),
    publish: timingOf(samples),
    lists: listTimings,
  };
}

async function walBytes(pool: Pool, work: () => Promise<unknown>): Promise<{ ms: number; wal: number }> {
  const before = (await pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
  const ms = await timed(work);
  const { rows } = await pool.query<{ bytes: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS bytes', [before]);
  return { ms, wal: Number(rows[0].bytes) };
}

/** The next day deleted as the purge did before partitions: 1,000 events a statement, with their deliveries and attempts. */
async function deleteDayByRows(pool: Pool, day: string): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>(
      `WITH doomed AS (
         SELECT event_id FROM events
         WHERE event_id >= history_day_bound($1::date) AND event_id < history_day_bound($1::date + 1)
         ORDER BY event_id LIMIT $2
       ), doomed_deliveries AS (
         SELECT delivery_id FROM deliveries WHERE event_id = ANY (ARRAY(SELECT event_id FROM doomed))
       ), a AS (DELETE FROM delivery_attempts WHERE delivery_id = ANY (ARRAY(SELECT delivery_id FROM doomed_deliveries)))
       , d AS (DELETE FROM deliveries WHERE delivery_id = ANY (ARRAY(SELECT delivery_id FROM doomed_deliveries)))
       , e AS (DELETE FROM events WHERE event_id = ANY (ARRAY(SELECT event_id FROM doomed)) RETURNING 1)
       SELECT count(*) AS n FROM e`,
      [day, DELETE_BATCH],
    );
    const n = Number(rows[0].n);
    total += n;
    if (n < DELETE_BATCH) return total;
  }
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(0));

async function main(): Promise<void> {
  const adminUrl = positionals[0];
  if (!adminUrl) throw new Error('usage: tsx scripts/measure-partitioned-history.ts <admin-postgres-url> [--attempts N] [--days D] [--publishes P] [--lists L] [--keep]');
  const attempts = Number(args.attempts);
  const days = Number(args.days);
  const publishes = Number(args.publishes);
  const lists = Number(args.lists);
  if (!Number.isInteger(attempts) || attempts < 10_000) throw new Error('--attempts: an integer of at least 10000');
  if (!Number.isInteger(days) || days < 3) throw new Error('--days: an integer of at least 3');
  const eventsPerDay = Math.round(attempts / days / 3 / ATTEMPTS_PER_DELIVERY);

  const name = `tw_partitions_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 2, applicationName: 'measure-partitioned-history' });
  try {
    log(`scratch database ${name}; ${fmt(eventsPerDay)} events a day over ${days} days`);
    await migrate(pool);
    const { rows: today } = await pool.query<{ d: string }>(`SELECT to_char((now() AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS d`);
    const dayList = Array.from({ length: days }, (_, i) => {
      const d = new Date(`${today[0].d}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() - days + i);
      return d.toISOString().slice(0, 10);
    });
    await pool.query('SELECT create_history_partitions($1::date, $2::date)', [dayList[0], dayList[days - 1]]);
    await pool.query(
      `INSERT INTO webhook_configs (org_id, config_id, url, event_names, secret)
       SELECT format('org-%s', lpad(o::text, 2, '0')), c, 'https://receiver.example/' || c, ARRAY['*'], 'sealed'
       FROM generate_series(1, 50) o CROSS JOIN unnest(ARRAY['orders', 'billing', 'audit']) c`,
    );
    await pool.query(`INSERT INTO event_types (name) SELECT 'event.' || k FROM generate_series(0, 9) k`);

    const points: Point[] = [];
    const writeTimes: number[] = [];
    for (const [i, day] of dayList.entries()) {
      log(`day ${i + 1}/${days}: ${day}`);
      writeTimes.push(await timed(() => writeDay(pool, day, eventsPerDay)));
      if (i === 0) points.push(await measure(pool, 'start', publishes, lists));
    }
    await pool.query('VACUUM ANALYZE');
    points.push(await measure(pool, 'end', publishes, lists));

    const { rows: sizes } = await pool.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM deliveries_p${dayList[0].replaceAll('-', '')}) AS rows,
              (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c WHERE c.relname IN
                 ('events_p${dayList[0].replaceAll('-', '')}', 'deliveries_p${dayList[0].replaceAll('-', '')}', 'delivery_attempts_p${dayList[0].replaceAll('-', '')}')) AS bytes`,
    );
    log(`retire ${dayList[0]} by dropping its partitions`);
    let retired = { events: 0, deliveries: 0, attempts: 0, kept: 0 };
    const drop = await walBytes(pool, async () => {
      retired = await retireDay(pool, dayList[0]);
    });
    log(`delete ${dayList[1]} row by row`);
    let deletedEvents = 0;
    const del = await walBytes(pool, async () => {
      deletedEvents = await deleteDayByRows(pool, dayList[1]);
    });

    const { rows: settings } = await pool.query<{ version: string; shared_buffers: string }>(
      `SELECT split_part(version(), ' ', 2) AS version, current_setting('shared_buffers') AS shared_buffers`,
    );
    const out: string[] = [];
    out.push(`Postgres ${settings[0].version} (shared_buffers ${settings[0].shared_buffers}); ${fmt(eventsPerDay)} events a day over ${days} days; ` +
      `writing one day took ${ms(writeTimes[0] / 1000)}–${ms(Math.max(...writeTimes) / 1000)} s.`);
    out.push('');
    out.push('| When | Load average | Events | Deliveries | Attempts | History on disk | Publish p50 / p99 / max (ms) | ' +
      Object.keys(points[0].lists).map((k) => `List ${k} p50 / p99 (ms)`).join(' | ') + ' | Newest 50 in Postgres: planning / execution ms, buffers |');
    out.push('|---|--:|--:|--:|--:|--:|--:|' + Object.keys(points[0].lists).map(() => '--:').join('|') + '|--:|');
    for (const p of points) {
      out.push(`| ${p.label} | ${p.load.toFixed(1)} | ${fmt(p.rows.events)} | ${fmt(p.rows.deliveries)} | ${fmt(p.rows.attempts)} | ${fmt(Math.round(p.rows.bytes / 1048576))} MB | ` +
        `${ms(p.publish.p50)} / ${ms(p.publish.p99)} / ${ms(p.publish.max)} | ` +
        Object.values(p.lists).map((t) => `${ms(t.p50)} / ${ms(t.p99)}`).join(' | ') +
        ` | ${ms(p.listPlan.planningMs)} / ${ms(p.listPlan.executionMs)}, ${fmt(p.listPlan.buffers)} |`);
    }
    out.push('');
    out.push(`| Retiring one day (${fmt(Number(sizes[0].rows))} deliveries, ${fmt(Math.round(Number(sizes[0].bytes) / 1048576))} MB with indexes) | Time | WAL written |`);
    out.push('|---|--:|--:|');
    out.push(`| Drop its partitions (retire_history_day: ${fmt(retired.events)} events, ${fmt(retired.deliveries)} deliveries, ${fmt(retired.attempts)} attempts, ${retired.kept} kept) | ${fmt(Math.round(drop.ms))} ms | ${fmt(Math.round(drop.wal / 1024))} kB |`);
    out.push(`| Delete the next day's rows, ${fmt(DELETE_BATCH)} events a statement (${fmt(deletedEvents)} events) | ${fmt(Math.round(del.ms))} ms | ${fmt(Math.round(del.wal / 1048576))} MB |`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await pool.end();
    if (args.keep) log(`kept database ${name}`);
    else await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
