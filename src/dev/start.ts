/**
 * `npm start`: the whole service on one machine. Postgres (DATABASE_URL, a local server, or embedded),
 * the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS is set), migrations, then the worker
 * and the API in this process. Ctrl-C stops everything, the dev server included.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { startService } from '../service';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/temporal';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { resolveDatabase } from './postgres';
import { startDevServer } from './temporal-server';
import { findTemporalCli, PROJECT_ROOT } from './temporal-cli';

const DEV_SERVER_PORT = 7233;
const DEV_UI_PORT = 8233;
const say = (line: string) => console.log(`[start] ${line}`);

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function main(): Promise<void> {
  const began = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stops: (() => Promise<unknown>)[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => console.error(error));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const dataDir = path.join(PROJECT_ROOT, '.data');
    mkdirSync(dataDir, { recursive: true });
    const database = await resolveDatabase(process.env, say);
    stops.push(() => database.stop());

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let uiUrl = process.env.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      const cli = findTemporalCli(process.env);
      say(`starting the Temporal dev server (${cli ?? 'SDK download'}), data in .data/temporal.db`);
      const server = await startDevServer({
        cli,
        port: DEV_SERVER_PORT,
        uiPort: DEV_UI_PORT,
        dbFilename: path.join(dataDir, 'temporal.db'),
        namespace: process.env.TEMPORAL_NAMESPACE || 'default',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: say,
      });
      stops.push(() => server.stop());
      temporalAddress = server.address;
      uiUrl ??= `http://localhost:${DEV_UI_PORT}`;
    }

    const devSecrets = loadOrCreateDevSecrets(path.join(dataDir, 'dev-secrets.json'));
    const config = loadConfig({
      // On a developer's machine receivers usually run on it too; production opens no range by default.
      ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8,::1/128',
      ...devSecrets,
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_URL: uiUrl,
    });
    const logger = createLogger(config);
    const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: 'temporal-webhooks-dev' });
    stops.push(() => pool.end());
    const { applied } = await migrate(pool);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

    const service = await startService({ config, pool, logger });
    stops.push(() => service.stop());
    service.workerDone.catch((error: unknown) => {
      console.error('worker stopped unexpectedly', error);
      void stopAll(1);
    });

    console.log(
      [
        '',
        `temporal-webhooks is ready (${((Date.now() - began) / 1000).toFixed(1)} s)`,
        `  API          ${service.baseUrl}   (try ${service.baseUrl}/readyz)`,
        `  Temporal UI  ${config.TEMPORAL_UI_URL}`,
        `  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
        `  Postgres     ${redact(config.DATABASE_URL)} (${database.source})`,
        process.env.ADMIN_API_KEY
          ? '  Admin key    from ADMIN_API_KEY'
          : `  Admin key    ${config.ADMIN_API_KEY}   (local only, kept in .data/dev-secrets.json; send as Authorization: Bearer …)`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    await stopAll(1);
  }
}

void main();
