/** Databases for the tests: the migrated template made once per run, and a database of its own for each test file. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createPool, type Pool } from '../../src/db/pool';
import { testEnv } from '../setup/test-env';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>, connectionString = testEnv('databaseUrl')): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Once per run, in global setup: a database migrated to the latest schema, which every test file's
 * migrated database is copied from (`CREATE DATABASE … TEMPLATE`) instead of migrating its own.
 */
export async function createTemplateDatabase(serverUrl: string): Promise<{ name: string; drop(): Promise<void> }> {
  const name = `tw_template_${randomBytes(4).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`), serverUrl);
  // One connection, closed before any copy: Postgres copies only a template nobody is connected to.
  const pool = createPool({ connectionString: databaseUrl(serverUrl, name), max: 1 });
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return {
    name,
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`), serverUrl).then(() => undefined),
  };
}

/**
 * A database of its own for one test file: a copy of the migrated template made in global setup, or an
 * empty one with `migrate: false` (for the tests of migrating itself).
 */
export async function createTestDatabase(label: string, options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const name = `tw_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  const template = options.migrate === false ? '' : ` TEMPLATE ${pg.escapeIdentifier(testEnv('templateDatabase'))}`;
  await admin((client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}${template}`));
  const url = databaseUrl(testEnv('databaseUrl'), name);
  const pool = createPool({ connectionString: url, max: 10 });
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      await dropDatabases([name]);
    },
  };
}

/** Drops databases a test made by other means (a Temporal cluster's, say), connections and all. */
export async function dropDatabases(names: readonly string[]): Promise<void> {
  await admin(async (client) => {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  });
}
