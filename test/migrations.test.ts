import { migrate } from '../src/db/migrate';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { createPool } from '../src/db/pool';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('migrations', { migrate: false });
});
afterAll(async () => {
  await db.drop();
});

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
