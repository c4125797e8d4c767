/**
 * `npx tsx scripts/measure-delivery-rows.ts <admin-postgres-url> [--events N] [--fail-rate F]`
 *
 * What one delivery writes to the service's Postgres, for the capacity model in docs/scaling.md. In a
 * scratch database (dropped at the end) with 50 orgs of 3 configs, it runs N events (3,000 by default)
 * through the service's own statements, in the order a publish and its attempts send them: the publish
 * transaction (idempotency key, event, 3 deliveries), the mark of the started workflows, then per attempt
 * loadDeliveryContext, admitAttempt and recordAttempt; a fraction F (0.05) of first attempts fails and is
 * attempted again. Temporal is left out: its own writes are in its own database.
 *
 * Reports per delivery: statements, rows inserted / updated / deleted (pg_stat_user_tables), bytes the
 * tables and indexes grew by, and WAL bytes. The WAL is the server's (pg_current_wal_lsn): other databases
 * on the same server add to it, so the script runs the workload twice and reports the smaller figure.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { admitAttempt, HEALTH_AFTER_ATTEMPT } from '../src/core/endpoint-health';
import { recordAttempt } from '../src/db/attempts';
import { loadDeliveryContext, markWorkflowsStarted } from '../src/db/deliveries';
import { migrate } from '../src/db/migrate';
import { createPool, type Queryable, type Pool, withTransaction } from '../src/db/pool';
import { writeEvent } from '../src/delivery/publisher';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { events: { type: 'string', default: '3000' }, 'fail-rate': { type: 'string', default: '0.05' } },
});

interface Counters {
  ins: number;
  upd: number;
  del: number;
  bytes: number;
  wal: number;
}

async function counters(pool: Pool): Promise<Counters> {
  await pool.query('SELECT pg_stat_force_next_flush()');
  const { rows } = await pool.query<Record<string, string>>(
    `SELECT sum(n_tup_ins) AS ins, sum(n_tup_upd) AS upd, sum(n_tup_del) AS del,
            (SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'public' AND c.relkind IN ('r', 'm')) AS bytes,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal
     FROM pg_stat_user_tables`,
  );
  const r = rows[0];
  return { ins: Number(r.ins), upd: Number(r.upd), del: Number(r.del), bytes: Number(r.bytes), wal: Number(r.wal) };
}

/** A Queryable that counts the statements it sends. */
function counting(pool: Pool, tally: { statements: number }): Queryable {
  return {
    query: (text: string, values?: unknown[]) => {
      tally.statements += 1;
      return pool.query(text, values);
    },
  } as unknown as Queryable;
}

async function workload(pool: Pool, events: number, failRate: number, label: string): Promise<{ deliveries: number; statements: number }> {
  const tally = { statements: 0 };
  const db = counting(pool, tally);
  let count = 0;
  for (let i = 0; i < events; i++) {
    const orgId = `org-${String(1 + (i % 50)).padStart(2, '0')}`;
    tally.statements += 2; // BEGIN and COMMIT of the publish transaction; the statements inside are counted by `counting`
    const { refs } = await withTransaction(pool, (client) =>
      writeEvent(counting(client as unknown as Pool, tally), { orgId, eventName: 'order.created', data: { n: i, note: 'x'.repeat(200) }, idempotencyKey: `${label}-${i}` }),
    );
    await markWorkflowsStarted(db, refs.map((ref) => ref.deliveryId));
    for (const ref of refs) {
      const attempts = Math.random() < failRate ? 2 : 1;
      for (let a = 1; a <= attempts; a++) {
        const ok = a === attempts;
        await loadDeliveryContext(db, ref.deliveryId, new Date(Date.now() - 86_400_000));
        const token = randomUUID();
        await admitAttempt(db, { orgId, configId: ref.configId, deliveryId: ref.deliveryId, attemptToken: token, leaseMs: 30_000, cooldownMs: 30_000, force: false });
        await recordAttempt(db, {
          deliveryId: ref.deliveryId, attemptToken: token, orgId, configId: ref.configId, circuit: { threshold: 1000, cooldownMs: 30_000 },
          startedAt: new Date(), durationMs: 120, statusCode: ok ? 200 : 503, errorClass: ok ? null : 'http_status', error: ok ? null : 'HTTP 503',
          responseBody: ok ? '{"ok":true}' : 'Service Unavailable', status: ok ? 'delivered' : 'retrying', nextAttemptAt: ok ? null : new Date(Date.now() + 10_000),
        }, HEALTH_AFTER_ATTEMPT);
      }
      count += 1;
    }
  }
  return { deliveries: count, statements: tally.statements };
}

async function main(): Promise<void> {
  const adminUrl = positionals[0];
  if (!adminUrl) throw new Error('usage: tsx scripts/measure-delivery-rows.ts <admin-postgres-url> [--events N] [--fail-rate F]');
  const events = Number(args.events);
  const failRate = Number(args['fail-rate']);
  const name = `tw_rows_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: 2, applicationName: 'measure-delivery-rows' });
  try {
    await migrate(pool);
    await pool.query(
      `INSERT INTO webhook_configs (org_id, config_id, url, event_names, secret, max_concurrency)
       SELECT format('org-%s', lpad(o::text, 2, '0')), c, 'https://receiver.example/' || c, ARRAY['*'], 'sealed', 1000
       FROM generate_series(1, 50) o CROSS JOIN unnest(ARRAY['orders', 'billing', 'audit']) c`,
    );
    await pool.query(`INSERT INTO event_types (name) VALUES ('order.created')`);
    // A warm-up of a tenth, so the figures are of steady state (pages allocated, statistics in place).
    await workload(pool, Math.ceil(events / 10), failRate, 'warm');
    const runs: { per: Record<string, number> }[] = [];
    for (const label of ['a', 'b']) {
      const before = await counters(pool);
      const began = Date.now();
      const { deliveries, statements } = await workload(pool, events, failRate, label);
      const seconds = (Date.now() - began) / 1000;
      const after = await counters(pool);
      const per = (n: number) => n / deliveries;
      runs.push({
        per: {
          deliveries,
          seconds,
          statements: per(statements),
          inserted: per(after.ins - before.ins),
          updated: per(after.upd - before.upd),
          deleted: per(after.del - before.del),
          bytesStored: per(after.bytes - before.bytes),
          walBytes: per(after.wal - before.wal),
        },
      });
    }
    const best = runs.reduce((a, b) => (a.per.walBytes <= b.per.walBytes ? a : b));
    const other = runs.find((r) => r !== best) ?? best;
    const f = (n: number) => (n < 10 ? n.toFixed(2) : Math.round(n).toLocaleString('en-US'));
    const out = [
      `${events} events × 3 configs, ${failRate * 100} % of first attempts failing; per delivery (the run with less WAL; the other in brackets):`,
      '',
      '| Statements | Rows inserted | Rows updated | Rows deleted | Table + index growth | WAL |',
      '|--:|--:|--:|--:|--:|--:|',
      `| ${f(best.per.statements)} | ${f(best.per.inserted)} | ${f(best.per.updated)} | ${f(best.per.deleted)} | ${f(best.per.bytesStored)} B (${f(other.per.bytesStored)}) | ${f(best.per.walBytes)} B (${f(other.per.walBytes)}) |`,
    ];
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
