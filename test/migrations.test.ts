/** The database migrations: run once when applied concurrently, numbered without gaps, each in a transaction of its own, and the indexes they leave. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, NO_TRANSACTION_MARKER } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { useDatabase } from './helpers/fixtures';

const db = useDatabase('migrations', { migrate: false });
// An empty database of its own for the test of failing files, which must not meet the real migrations.
const scratch = useDatabase('migrations-each', { migrate: false });

test('migrations applied from two processes at once run exactly once, and a rerun is a no-op', async () => {
  const other = createPool({ connectionString: db.url, max: 1 });
  try {
    const [a, b] = await Promise.all([migrate(db.pool), migrate(other)]);
    const applied = [...a.applied, ...b.applied];
    expect(applied).toContain('001_init.sql');
    expect(new Set(applied).size).toBe(applied.length);
    expect((await migrate(db.pool)).applied).toEqual([]);
  } finally {
    await other.end();
  }
  const { rows } = await db.pool.query(`SELECT name FROM schema_migrations ORDER BY name`);
  expect(rows.map((r) => r.name)).toContain('001_init.sql');
  const tables = await db.pool.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  expect(tables.rows.map((r) => r.tablename)).toEqual(
    expect.arrayContaining(['dead_letters', 'deliveries', 'delivery_attempts', 'event_types', 'events', 'idempotency_keys', 'webhook_configs']),
  );
});

test('the hot-query indexes exist and the unused deliveries_created_idx is gone', async () => {
  await migrate(db.pool);
  const { rows } = await db.pool.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN ('deliveries', 'idempotency_keys')`,
  );
  const indexes = new Map(rows.map((row) => [row.indexname, row.indexdef]));
  expect(indexes.get('idempotency_keys_expires_idx')).toMatch(/ON public\.idempotency_keys USING btree \(expires_at\)$/);
  expect(indexes.get('deliveries_org_status_created_idx')).toMatch(
    /ON (ONLY )?public\.deliveries USING btree \(org_id, status, created_at DESC, delivery_id DESC\)$/,
  );
  expect(indexes.has('deliveries_created_idx')).toBe(false);
  // The indexes the reconciler and the history purge read stay.
  expect([...indexes.keys()]).toEqual(expect.arrayContaining(['deliveries_unstarted_idx', 'deliveries_event_idx', 'deliveries_org_created_idx']));
});

test('each migration has a number of its own, and the numbers leave no gap', () => {
  const numbers = readdirSync(path.join(__dirname, '..', 'migrations'))
    .filter((file) => /^\d+_.*\.sql$/.test(file))
    .map((file) => Number(file.split('_')[0]))
    .sort((a, b) => a - b);
  expect(numbers.length).toBeGreaterThan(0);
  expect(numbers).toEqual(numbers.map((_, i) => i + 1));
});

test('each migration file runs in a transaction of its own: a failing file rolls back alone and releases the lock', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-migrations-'));
  try {
    writeFileSync(path.join(dir, '001_first.sql'), 'CREATE TABLE first_table (id int);');
    writeFileSync(path.join(dir, '002_second.sql'), 'CREATE TABLE second_table (id int); SELECT no_such_function();');
    await expect(migrate(scratch.pool, dir)).rejects.toThrow(/no_such_function/);
    const names = async () => (await scratch.pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name')).rows.map((r) => r.name);
    expect(await names()).toEqual(['001_first.sql']);
    const tables = async () =>
      (await scratch.pool.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE tablename IN ('first_table', 'second_table')`)).rows.map(
        (r) => r.tablename,
      );
    expect(await tables()).toEqual(['first_table']);
    // The lock went with the failure: another runner, on another connection, applies the fixed file.
    writeFileSync(path.join(dir, '002_second.sql'), 'CREATE TABLE second_table (id int);');
    const other = createPool({ connectionString: scratch.url, max: 1 });
    try {
      expect((await migrate(other, dir)).applied).toEqual(['002_second.sql']);
    } finally {
      await other.end();
    }
    expect(await names()).toEqual(['001_first.sql', '002_second.sql']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file marked to run outside a transaction can build an index concurrently; an unmarked one cannot', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tw-migrations-'));
  try {
    writeFileSync(path.join(dir, '001_table.sql'), 'CREATE TABLE concurrent_things (id int);');
    writeFileSync(path.join(dir, '002_index.sql'), 'CREATE INDEX CONCURRENTLY IF NOT EXISTS concurrent_things_id ON concurrent_things (id);');
    await expect(migrate(scratch.pool, dir)).rejects.toThrow(/cannot run inside a transaction block/);

    writeFileSync(path.join(dir, '002_index.sql'), `${NO_TRANSACTION_MARKER}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS concurrent_things_id ON concurrent_things (id);`);
    expect((await migrate(scratch.pool, dir)).applied).toEqual(['002_index.sql']);
    const { rows } = await scratch.pool.query<{ valid: boolean }>(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = 'concurrent_things_id'`,
    );
    expect(rows).toEqual([{ valid: true }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
