/**
 * `npm start`: the whole service on one machine. Postgres (DATABASE_URL, a local server, or embedded),
 * the Temporal dev server with its Web UI (unless TEMPORAL_ADDRESS is set), migrations, then the worker
 * and the API in this process. Ctrl-C stops everything, the dev server included.
 *
 * A dev server (or embedded Postgres) left running by a start that was killed outright is recognised
 * on the next start and stopped before a fresh one starts; a port held by any other process stops the
 * start with an error naming that process.
 *
 * Besides the service's own settings (src/config.ts) it reads TEMPORAL_DEV_PORT and TEMPORAL_UI_PORT
 * (the dev server's ports, 7233 and 8233) and DEV_DATA_DIR (its state, .data in the project). The dev
 * server runs with task queue fairness (TEMPORAL_FAIRNESS) when its database was created with it
 * (src/dev/dev-server-fairness.ts).
 */
// First: the HTTP instrumentations hook the loading of the modules they trace.
import '../observability/instrument';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, loadConfig, loadDevServerConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { startService } from '../service';
import { startTracing } from '../observability/tracing';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/temporal';
import { decideDevServerFairness } from './dev-server-fairness';
import { removeDevServerRecord, stopLeftoverDevServer, writeDevServerRecord } from './dev-server-record';
import { loadOrCreateDevSecrets } from './dev-secrets';
import { resolveDatabase } from './postgres';
import { assertPortFree, PortInUseError } from './processes';
import { startDevServer } from './temporal-server';
import { findTemporalCli, PROJECT_ROOT } from './temporal-cli';
import { createStopper } from './stopper';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
const launcherSchema = z.object({
  TEMPORAL_DEV_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  DEV_DATA_DIR: z.string().default(path.join(PROJECT_ROOT, '.data')),
});

function loadLauncherSettings(env: Record<string, string | undefined>): z.infer<typeof launcherSchema> {
  const input = Object.fromEntries(Object.entries(env).filter(([name, value]) => name in launcherSchema.shape && value));
  const parsed = launcherSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

const say = (line: string) => console.log(`[start] ${line}`);
/** A file under the working directory by its relative path (.data/…), any other by its full one. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

async function main(): Promise<void> {
  const began = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { stops, stopAll } = createStopper(say);

  try {
    const settings = loadLauncherSettings(process.env);
    const dataDir = path.resolve(settings.DEV_DATA_DIR);
    mkdirSync(dataDir, { recursive: true });
    const database = await resolveDatabase(process.env, say, { dataDir });
    stops.push(() => database.stop());

    let temporalAddress = process.env.TEMPORAL_ADDRESS;
    let uiUrl = process.env.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      const dbFilename = path.join(dataDir, 'temporal.db');
      const pidFile = path.join(dataDir, 'temporal.pid');
      const leftover = await stopLeftoverDevServer(pidFile, dbFilename);
      if (leftover !== undefined) say(`stopped the Temporal dev server left running by an earlier start (pid ${leftover})`);
      await assertPortFree(settings.TEMPORAL_DEV_PORT, '127.0.0.1', 'Temporal dev server');
      await assertPortFree(settings.TEMPORAL_UI_PORT, '127.0.0.1', 'Temporal Web UI');

      const serverConfig = loadDevServerConfig(process.env);
      const { fairness, note } = decideDevServerFairness(dbFilename, serverConfig.TEMPORAL_FAIRNESS, shown);
      if (note) say(note);
      const cli = findTemporalCli(process.env);
      const levers = [`fairness ${fairness ? 'on' : 'off'}`, ...(serverConfig.TEMPORAL_EAGER_ACTIVITIES ? ['eager activities on'] : [])];
      say(`starting the Temporal dev server (${cli ?? 'SDK download'}), data in ${shown(dbFilename)}, ${levers.join(', ')}`);
      const server = await startDevServer({
        cli,
        port: settings.TEMPORAL_DEV_PORT,
        uiPort: settings.TEMPORAL_UI_PORT,
        dbFilename,
        namespace: process.env.TEMPORAL_NAMESPACE || 'default',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        settings: { fairness, eagerActivities: serverConfig.TEMPORAL_EAGER_ACTIVITIES },
        log: say,
      });
      if (server.pid !== undefined && server.binary !== undefined) {
        writeDevServerRecord(pidFile, {
          pid: server.pid,
          binary: server.binary,
          dbFilename,
          port: settings.TEMPORAL_DEV_PORT,
          uiPort: settings.TEMPORAL_UI_PORT,
          startedAt: new Date().toISOString(),
        });
      }
      stops.push(async () => {
        await server.stop();
        removeDevServerRecord(pidFile);
      });
      temporalAddress = server.address;
      uiUrl ??= `http://localhost:${settings.TEMPORAL_UI_PORT}`;
    }

    const secretsFile = path.join(dataDir, 'dev-secrets.json');
    const devSecrets = loadOrCreateDevSecrets(secretsFile);
    const config = loadConfig({
      // On a developer's machine receivers usually run on it too; production opens no range by default.
      ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8,::1/128',
      ...devSecrets,
      ...process.env,
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_URL: uiUrl,
    });
    await assertPortFree(config.PORT, config.HOST, 'API');
    await assertPortFree(config.METRICS_PORT, config.METRICS_HOST, 'metrics');
    const logger = createLogger(config);
    const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: 'temporal-webhooks-dev' });
    stops.push(() => pool.end());
    const { applied } = await migrate(pool);
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);

    const tracing = startTracing(config, { role: 'service' });
    stops.push(() => tracing.shutdown());
    const service = await startService({ config, pool, logger, tracing });
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
        `  Metrics      ${service.metricsUrl}`,
        `  API docs     ${service.baseUrl}/docs   (OpenAPI: ${service.baseUrl}/openapi.json)`,
        `  Temporal UI  ${config.TEMPORAL_UI_URL}`,
        `  Temporal     ${config.TEMPORAL_ADDRESS} (namespace ${config.TEMPORAL_NAMESPACE}, task queue ${config.TEMPORAL_TASK_QUEUE})`,
        `  Postgres     ${redact(config.DATABASE_URL)} (${database.source})`,
        process.env.ADMIN_API_KEY
          ? '  Admin key    from ADMIN_API_KEY'
          : `  Admin key    ${config.ADMIN_API_KEY}   (local only, kept in ${shown(secretsFile)}; send as Authorization: Bearer …)`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(error instanceof ConfigError || error instanceof PortInUseError ? error.message : error);
    await stopAll(1);
  }
}

void main();
