/** Starts the Temporal cluster (frontend, history, matching, worker as separate processes) for `--temporal cluster` runs of the benchmark. */
import pg from 'pg';
import { CLUSTER_DEFAULTS, clusterLayout, startTemporalCluster } from '../src/dev/temporal-cluster';
import { freePortRange } from '../src/dev/free-port';

/**
 * `--temporal cluster`: the Temporal server as production runs it (frontend, history, matching and worker
 * as separate processes on Postgres, src/dev/temporal-cluster.ts), on databases of this run's own, dropped
 * at the end. `match` picks the cluster's processes out of /proc for the CPU figures (their --root).
 */
export async function startBenchCluster(options: { postgresUrl: string; tag: string; dataDir: string; namespace: string; fairness: boolean; log: (line: string) => void }) {
  const databases = [`tw_bench_cluster_${options.tag}`, `tw_bench_cluster_visibility_${options.tag}`];
  const drop = async (): Promise<void> => {
    const admin = new pg.Client({ connectionString: options.postgresUrl });
    await admin.connect();
    try {
      for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
  try {
    const cluster = await startTemporalCluster({
      ...CLUSTER_DEFAULTS,
      postgresUrl: options.postgresUrl,
      database: databases[0],
      visibilityDatabase: databases[1],
      basePort: await freePortRange(clusterLayout(0, 1).portCount),
      frontends: 1,
      dataDir: options.dataDir,
      namespace: options.namespace,
      logLevel: 'warn',
      // New databases of the run's own: TEMPORAL_FAIRNESS applies as set, for A/B runs.
      fairness: options.fairness,
      log: options.log,
    });
    return {
      address: cluster.address,
      match: options.dataDir,
      usage: () => cluster.usage(),
      stop: async () => {
        await cluster.stop();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}
