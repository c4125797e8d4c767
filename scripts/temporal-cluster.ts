/**
 * `npm run temporal:cluster`: a Temporal cluster of four processes (frontend, history, matching, worker)
 * on Postgres, as in production, on this machine. Prints the frontend's address for
 * `TEMPORAL_ADDRESS=… npm start`; Ctrl-C stops every process.
 *
 * Settings (environment): DATABASE_URL (its server holds the cluster's databases; else the local
 * 127.0.0.1:5432, else an embedded Postgres), TEMPORAL_CLUSTER_DATABASE and
 * TEMPORAL_CLUSTER_VISIBILITY_DATABASE, TEMPORAL_CLUSTER_BASE_PORT (first of nine ports),
 * TEMPORAL_CLUSTER_FRONTENDS (with more than one, a load balancer in front of them is the address),
 * TEMPORAL_CLUSTER_DATA_DIR (config and logs), TEMPORAL_NAMESPACE, TEMPORAL_CLUSTER_RETENTION_DAYS,
 * TEMPORAL_CLUSTER_MAX_CONNS (per process) and TEMPORAL_CLUSTER_LOG_LEVEL.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { resolveDatabase } from '../src/dev/postgres';
import { CLUSTER_DEFAULTS, clusterLayout, startTemporalCluster } from '../src/dev/temporal-cluster';
import { createStopper } from '../src/dev/stopper';

const settingsSchema = z.object({
  TEMPORAL_CLUSTER_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(CLUSTER_DEFAULTS.database),
  TEMPORAL_CLUSTER_VISIBILITY_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/).default(CLUSTER_DEFAULTS.visibilityDatabase),
  TEMPORAL_CLUSTER_BASE_PORT: z.coerce.number().int().min(1024).max(65000).default(CLUSTER_DEFAULTS.basePort),
  TEMPORAL_CLUSTER_FRONTENDS: z.coerce.number().int().min(1).max(4).default(CLUSTER_DEFAULTS.frontends),
  TEMPORAL_CLUSTER_DATA_DIR: z.string().default(CLUSTER_DEFAULTS.dataDir),
  TEMPORAL_NAMESPACE: z.string().min(1).default(CLUSTER_DEFAULTS.namespace),
  TEMPORAL_CLUSTER_RETENTION_DAYS: z.coerce.number().int().min(1).default(CLUSTER_DEFAULTS.retentionDays),
  TEMPORAL_CLUSTER_MAX_CONNS: z.coerce.number().int().min(2).max(50).default(CLUSTER_DEFAULTS.maxConns),
  TEMPORAL_CLUSTER_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default(CLUSTER_DEFAULTS.logLevel),
});

const say = (line: string) => console.log(`[cluster] ${line}`);

async function main(): Promise<void> {
  const began = Date.now();
  const input = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => name in settingsSchema.shape && value));
  const parsed = settingsSchema.safeParse(input);
  if (!parsed.success) {
    console.error(`invalid configuration:\n${parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n')}`);
    process.exit(1);
  }
  const settings = parsed.data;
  const { portCount } = clusterLayout(settings.TEMPORAL_CLUSTER_BASE_PORT, settings.TEMPORAL_CLUSTER_FRONTENDS);
  if (settings.TEMPORAL_CLUSTER_BASE_PORT + portCount > 65536) {
    console.error(`invalid configuration:\n  TEMPORAL_CLUSTER_BASE_PORT: the cluster needs ${portCount} ports from it on`);
    process.exit(1);
  }
  const dataDir = path.resolve(settings.TEMPORAL_CLUSTER_DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  // Closing the terminal stops the cluster too.
  const { stops, stopAll } = createStopper(say, ['SIGINT', 'SIGTERM', 'SIGHUP']);

  try {
    const database = await resolveDatabase(process.env, say, { dataDir: path.dirname(dataDir) });
    stops.push(() => database.stop());
    const cluster = await startTemporalCluster({
      ...CLUSTER_DEFAULTS,
      postgresUrl: database.url,
      database: settings.TEMPORAL_CLUSTER_DATABASE,
      visibilityDatabase: settings.TEMPORAL_CLUSTER_VISIBILITY_DATABASE,
      basePort: settings.TEMPORAL_CLUSTER_BASE_PORT,
      frontends: settings.TEMPORAL_CLUSTER_FRONTENDS,
      dataDir,
      namespace: settings.TEMPORAL_NAMESPACE,
      retentionDays: settings.TEMPORAL_CLUSTER_RETENTION_DAYS,
      maxConns: settings.TEMPORAL_CLUSTER_MAX_CONNS,
      logLevel: settings.TEMPORAL_CLUSTER_LOG_LEVEL,
      log: say,
    });
    stops.push(() => cluster.stop());
    void cluster.crashed.then(({ name, code }) => {
      console.error(`the ${name} process exited (${code}); see ${path.join(cluster.logDir, `${name}.log`)}`);
      void stopAll(1);
    });

    const usage = await cluster.usage();
    const relative = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));
    console.log(
      [
        '',
        `Temporal cluster is ready (${((Date.now() - began) / 1000).toFixed(1)} s)`,
        `  Frontend     ${cluster.address}   (namespace ${cluster.namespace}${settings.TEMPORAL_CLUSTER_FRONTENDS > 1 ? ', a balancer in front of the frontends' : ''})`,
        ...cluster.processes.map((name) => {
          const { pid, rssMb } = usage.processes[name] ?? {};
          return `  ${name.padEnd(12)} pid ${pid}, gRPC port ${cluster.ports[name].grpc}, ${rssMb ?? '?'} MB resident`;
        }),
        `  Postgres     ${settings.TEMPORAL_CLUSTER_DATABASE}, ${settings.TEMPORAL_CLUSTER_VISIBILITY_DATABASE} (${database.source}), ${usage.postgresConnections} connections`,
        `  Logs         ${relative(cluster.logDir)}/`,
        '',
        'Run the service against it in another terminal:',
        database.source === 'embedded'
          ? `  DATABASE_URL=${database.url} TEMPORAL_ADDRESS=${cluster.address} npm start`
          : `  TEMPORAL_ADDRESS=${cluster.address} npm start`,
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await stopAll(1);
  }
}

void main();
