import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from './pool';
import { withTransaction } from './pool';

/** Arbitrary constant shared by every process of this service: serialises concurrent migrators. */
const MIGRATION_LOCK_KEY = 727_001;
const FILE_RE = /^(\d+)_[\w-]+\.sql$/;

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
 * Applies pending numbered migrations in one transaction under an advisory lock,
 * so running it twice, or from two processes at once, is safe.
 */
export async function migrate(pool: Pool, dir = findMigrationsDir()): Promise<MigrationResult> {
  const files = (await readdir(dir)).filter((file) => FILE_RE.test(file)).sort();
  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
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
      await client.query(await readFile(path.join(dir, file), 'utf8'));
      await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
      applied.push(file);
    }
    return { applied };
  });
}
