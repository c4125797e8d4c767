/** Sets the benchmark up: its own Postgres database, a Temporal server unless TEMPORAL_ADDRESS names one, the workflow bundles, a client, receivers and the service's settings. */
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import os from 'node:os';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import pg from 'pg';
import { writeWorkflowBundle } from '../scripts/bundle-workflows';
import { loadConfig, loadDevServerConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { freePort } from '../src/dev/free-port';
import { canConnect, LOCAL_SERVER_URL, resolveDatabase } from '../src/dev/postgres';
import { findTemporalCli } from '../src/dev/temporal-cli';
import { startDevServer } from '../src/dev/temporal-server';
import { ALL_SEARCH_ATTRIBUTES, reconcileScheduleId, retentionScheduleId } from '../src/shared/temporal';
import { ADMIN_API_KEY, ENCRYPTION_KEY } from './api';
import type { Bench, BenchOptions } from './context';
import { measureCpu } from './cpu';
import { startBenchReceiver } from './receiver';
import { round } from './stats';
import { startBenchCluster } from './temporal-cluster';
import type { WorkerProcess } from './worker-processes';

/**
 * Everything the scenarios share, each piece with its cleanup pushed onto `run.cleanups` as soon as it
 * exists; the database, the server and the settings are added to `run.results`.
 */
export async function setUpBench(
  options: BenchOptions,
  run: Pick<Bench, 'tag' | 'log' | 'results' | 'cleanups'> & { workDir: string; began: number },
): Promise<Bench> {
  const { tag, log, results, cleanups, workDir, began } = run;
  // Postgres (a database of this run's own), Temporal and the two workflow bundles, side by side.
  const externalTemporal = process.env.TEMPORAL_ADDRESS;
  const devServerConfig = loadDevServerConfig(process.env);
  const [database, address, serviceBundle, baselineBundle] = await Promise.all([
    (async () => {
      // As `npm start` finds it, but a loaded machine gets longer than 1.5 s to answer before the
      // embedded fallback, and nothing else is created on the local server.
      const local = !process.env.DATABASE_URL && (await canConnect(LOCAL_SERVER_URL, 10_000));
      const server = local ? { url: LOCAL_SERVER_URL, stop: async () => undefined } : await resolveDatabase(process.env, log);
      cleanups.push(() => server.stop());
      const name = `tw_bench_${tag}`;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      await admin.end();
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: server.url });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        await c.end();
      });
      const url = new URL(server.url);
      url.pathname = `/${name}`;
      const pool = createPool({ connectionString: url.toString(), max: 2 });
      await migrate(pool);
      await pool.end();
      return { name, url: url.toString() };
    })(),
    (async () => {
      if (externalTemporal) return externalTemporal;
      if (options.temporal === 'cluster') {
        const cluster = await startBenchCluster({
          postgresUrl: process.env.DATABASE_URL || LOCAL_SERVER_URL,
          tag,
          dataDir: path.join(workDir, 'cluster'),
          namespace: process.env.TEMPORAL_NAMESPACE || 'default',
          fairness: devServerConfig.TEMPORAL_FAIRNESS,
          log,
        });
        cleanups.push(() => cluster.stop());
        return cluster.address;
      }
      const dev = await startDevServer({
        cli: findTemporalCli(process.env),
        port: await freePort(),
        uiPort: await freePort(),
        dbFilename: path.join(workDir, 'temporal.db'),
        namespace: process.env.TEMPORAL_NAMESPACE || 'default',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        // A new database: TEMPORAL_FAIRNESS and TEMPORAL_EAGER_ACTIVITIES apply as set, for A/B runs.
        settings: { fairness: devServerConfig.TEMPORAL_FAIRNESS, eagerActivities: devServerConfig.TEMPORAL_EAGER_ACTIVITIES },
        log,
      });
      cleanups.push(() => dev.stop());
      return dev.address;
    })(),
    process.env.WORKFLOW_BUNDLE_PATH || writeWorkflowBundle(path.join(workDir, 'workflow-bundle.js')),
    bundleWorkflowCode({
      workflowsPath: require.resolve('./baseline-workflow'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
    }).then(async ({ code }) => {
      const file = path.join(workDir, 'baseline-bundle.js');
      await writeFile(file, code);
      return file;
    }),
  ]);
  log(`Temporal at ${address} (${externalTemporal ? 'TEMPORAL_ADDRESS' : `own ${options.temporal === 'cluster' ? 'cluster' : 'dev server'}`}); Postgres database ${database.name}; setup ${round((performance.now() - began) / 1000, 1)} s`);

  const queues = { baseline: `bench-${tag}-baseline`, service: `bench-${tag}`, parked: `bench-${tag}-parked`, source: `bench-${tag}-source` };
  const serviceEnv: Record<string, string> = {
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TASK_QUEUE: queues.service,
    WORKFLOW_BUNDLE_PATH: serviceBundle,
    LOG_LEVEL: 'silent',
    // The reconciler runs as under npm start: on a saturated machine a workflow start can miss its 3 s
    // deadline, and the reconciler is what starts such a delivery. Its Schedules are deleted at the end.
    MAINTENANCE_SCHEDULES: 'true',
    RECONCILE_INTERVAL: '5s',
    RECONCILE_MIN_AGE: '5s',
    // The receivers are local servers: loopback is opened as an operator would for them.
    ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
    WORKER_SHUTDOWN_GRACE: '1s',
    ADMIN_API_KEY,
    ENCRYPTION_KEY,
    RATE_LIMIT_PER_MINUTE: '10000000',
  };
  const config = loadConfig({ ...process.env, ...serviceEnv });
  /** CPU seconds of each part from now until the returned function is called. */
  const cpu = (worker: WorkerProcess) =>
    measureCpu(
      { temporalMatch: externalTemporal ? undefined : path.join(workDir, options.temporal === 'cluster' ? 'cluster' : 'temporal.db'), workerPid: worker.pid },
      os.cpus().length,
    );
  results.database = database.name;
  results.temporal = externalTemporal
    ? 'TEMPORAL_ADDRESS'
    : options.temporal === 'cluster'
      ? 'own cluster (frontend, history, matching, worker processes on Postgres)'
      : 'own dev server (SQLite, journal_mode=wal, synchronous=off)';
  results.settings = {
    WORKER_MAX_CONCURRENT_ACTIVITIES: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    DATABASE_POOL_SIZE: config.DATABASE_POOL_SIZE,
    CIRCUIT_BREAKER_THRESHOLD: config.CIRCUIT_BREAKER_THRESHOLD,
    THROTTLE_RETRY_DELAY_MS: config.THROTTLE_RETRY_DELAY,
    PUBLISH_STARTS_AFTER_ANSWER: config.PUBLISH_STARTS_AFTER_ANSWER,
    PUBLISH_START_CONCURRENCY: config.PUBLISH_START_CONCURRENCY,
    // Server levers apply to the run's own server only: fairness to its dev server or cluster, eager activities to its dev server.
    TEMPORAL_FAIRNESS: externalTemporal ? null : devServerConfig.TEMPORAL_FAIRNESS,
    TEMPORAL_EAGER_ACTIVITIES: externalTemporal || options.temporal === 'cluster' ? null : devServerConfig.TEMPORAL_EAGER_ACTIVITIES,
    WORKER_MAX_CACHED_WORKFLOWS: config.WORKER_MAX_CACHED_WORKFLOWS,
    WORKER_POLLER_AUTOSCALING: config.WORKER_POLLER_AUTOSCALING,
    WORKER_MAX_EAGER_ACTIVITIES: config.WORKER_MAX_EAGER_ACTIVITIES,
    DELIVERY_FIRST_ATTEMPT_LOCAL: config.DELIVERY_FIRST_ATTEMPT_LOCAL,
    workerNodeArgs: process.env.BENCH_WORKER_NODE_ARGS ?? '',
  };

  const connection = await Connection.connect({ address });
  cleanups.push(() => connection.close());
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  // Schedules outlive the run's workers: every task queue's are removed (one that never existed is no error).
  cleanups.push(() =>
    Promise.allSettled(
      Object.values(queues).flatMap((queue) => [reconcileScheduleId(queue), retentionScheduleId(queue)].map((id) => client.schedule.getHandle(id).delete())),
    ),
  );
  if (externalTemporal) {
    // A shared server keeps the workflows this run leaves running (hanging, parked): terminate them.
    cleanups.push(() =>
      connection.workflowService.startBatchOperation({
        namespace: config.TEMPORAL_NAMESPACE,
        jobId: `bench-cleanup-${tag}`,
        reason: 'benchmark finished',
        visibilityQuery: `ExecutionStatus = 'Running' AND (${Object.values(queues).map((q) => `TaskQueue = '${q}'`).join(' OR ')})`,
        terminationOperation: {},
      }),
    );
  }

  const ok = await startBenchReceiver('ok');
  const failing = await startBenchReceiver('fail');
  const hanging = await startBenchReceiver('hang');
  cleanups.push(() => Promise.all([ok.close(), failing.close(), hanging.close()]));

  return {
    ...options,
    tag,
    log,
    results,
    cleanups,
    client,
    queues,
    serviceEnv,
    baselineBundle,
    receivers: { ok, failing, hanging },
    cpu,
  };
}
