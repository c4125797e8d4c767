/** Applies the numbered SQL files of migrations/ that a database has not had yet. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Pool, withClient } from './pool';

/** Arbitrary constant shared by every process of this service: serialises concurrent migrators. */
const MIGRATION_LOCK_KEY = 727_001;
const FILE_RE = /^(\d+)_[\w-]+\.sql$/;
/**
 * A file that opens with this line runs outside a transaction: for a statement Postgres refuses inside one,
 * such as `CREATE INDEX CONCURRENTLY`. It should hold that one statement, written to be run again (`IF NOT
 * EXISTS`): if it fails, nothing is rolled back, and the next run tries the file again.
 */
export const NO_TRANSACTION_MARKER = '-- migrate:no-transaction';

export function findMigrationsDir(start = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'migrations');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no migrations directory above ${start}`);
  }
}

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending numbered migrations in order, each file in a transaction of its own (with its row in
 * schema_migrations), under a session advisory lock held across them all: running it twice, or from two
 * processes at once, is safe, and the second runner finds the work done. A file that fails rolls back
 * alone; the files before it stay applied, and the error is thrown. A file marked with
 * NO_TRANSACTION_MARKER runs outside a transaction.
 */
export async function migrate(pool: Pool, dir = findMigrationsDir()): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((file) => FILE_RE.test(file)).sort();
  // withClient discards a connection lost while checked out, as withTransaction does.
  return withClient(pool, async (client, state) => {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           name text PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
      const applied: string[] = [];
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = await readFile(path.join(dir, file), 'utf8');
        if (sql.startsWith(NO_TRANSACTION_MARKER)) {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          applied.push(file);
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await client.query('COMMIT');
        } catch (error) {
          if (!state.broken) await client.query('ROLLBACK').catch((rollbackError: Error) => (state.broken = rollbackError));
          throw error;
        }
        applied.push(file);
      }
      return { applied };
    } finally {
      // A connection that cannot unlock is discarded: its session, and with it the lock, ends.
      if (!state.broken) await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((unlockError: Error) => (state.broken = unlockError));
    }
  });
}
