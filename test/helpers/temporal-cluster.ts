/** A Temporal cluster of separate processes on Postgres, as production runs it, started once for a test file. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLUSTER_DEFAULTS, clusterLayout, startTemporalCluster, type TemporalCluster } from '../../src/dev/temporal-cluster';
import { freePortRange } from '../../src/dev/free-port';
import { scaled, testEnv } from '../setup/test-env';
import { dropDatabases } from './database';
import { useFixture } from './fixtures';

/**
 * `frontends` frontends (behind a TCP balancer when more than one), history, matching and worker, each its own
 * process, on databases of their own that are dropped with the data folder after the file's tests. The first
 * start may build the server binaries when scripts/setup has not: the hooks allow for that.
 */
export function useTemporalCluster(options: { frontends: number }): TemporalCluster {
  const suffix = randomBytes(4).toString('hex');
  const databases = [`tw_cluster_${suffix}`, `tw_cluster_visibility_${suffix}`];
  let dataDir: string | undefined;
  return useFixture(
    'Temporal cluster',
    async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'tw-cluster-'));
      return startTemporalCluster({
        ...CLUSTER_DEFAULTS,
        postgresUrl: testEnv('databaseUrl'),
        database: databases[0],
        visibilityDatabase: databases[1],
        basePort: await freePortRange(clusterLayout(0, options.frontends).portCount),
        frontends: options.frontends,
        dataDir,
        logLevel: 'warn',
        log: () => undefined,
      });
    },
    async (cluster) => {
      await cluster.stop();
      await dropDatabases(databases);
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    'all',
    scaled(900_000),
  );
}
