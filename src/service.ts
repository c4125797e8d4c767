import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActivities } from './activities';
import { destinationGuardFor } from './core/destinations';
import { createHttpClient } from './core/http';
import { createApp } from './api/app';
import { closeServer } from './api/server-lifecycle';
import { apiStarterFor } from './delivery/starter';
import type { Config } from './config';
import type { Pool } from './db/pool';
import type { Logger } from './logger';
import { USER_AGENT } from './version';
import { createMetrics } from './observability/metrics';
import { startMetricsServer } from './observability/metrics-server';
import { clientInterceptors } from './observability/temporal-interceptors';
import type { Tracing } from './observability/tracing';
import { ensureMaintenanceSchedules } from './worker/schedules';
import { prepareSearchAttributes } from './worker/search-attributes';
import { createDeliveryWorker } from './worker/worker';

export interface RunningService {
  baseUrl: string;
  client: Client;
  worker: Worker;
  /** `GET /metrics` of the API and the worker together. */
  metricsUrl: string;
  /** Settles when the worker stops, by shutdown or by a fatal error. */
  workerDone: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Worker and API in one process, as `npm start` and the tests run them. Production runs them apart
 * (src/worker/main.ts, src/api/server.ts).
 */
export async function startService(deps: {
  config: Config;
  pool: Pool;
  logger: Logger;
  host?: string;
  port?: number;
  /** Overrides config.METRICS_PORT (0: any free port). */
  metricsPort?: number;
  /** The process's tracing (src/observability/tracing.ts), when its entry point started it. */
  tracing?: Tracing;
}): Promise<RunningService> {
  const { config, pool, logger } = deps;
  // One registry and one metrics port for the API and the worker of this process.
  const metrics = createMetrics({ processMetrics: true });
  metrics.watchHealth(pool, logger);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await prepareSearchAttributes(connection, config.TEMPORAL_NAMESPACE, logger);
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  // The API's client shares the worker's connection, so that a publish may start its deliveries eagerly:
  // the first workflow task comes back in the start's answer, to the worker of this process.
  const client = new Client({ connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptors() });
  const http = createHttpClient({ guard: destinationGuardFor(config) });
  const activities = createActivities({ pool, http, config, temporal: client, logger, userAgent: USER_AGENT, metrics });
  const worker = await createDeliveryWorker({ connection: nativeConnection, config, activities, tracing: deps.tracing });
  if (config.MAINTENANCE_SCHEDULES) await ensureMaintenanceSchedules(client, config);
  const workerDone = worker.run();

  const starter = apiStarterFor({ pool, temporal: client, config, logger, sharesWorkerConnection: true });
  const app = createApp({ pool, temporal: client, config, logger, http, metrics, sharesWorkerConnection: true, starter });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(deps.port ?? config.PORT, deps.host ?? config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const metricsServer = await startMetricsServer(metrics.registry, deps.metricsPort ?? config.METRICS_PORT, deps.host ?? config.METRICS_HOST);

  return {
    baseUrl: `http://${deps.host && deps.host !== '0.0.0.0' ? deps.host : 'localhost'}:${port}`,
    client,
    worker,
    metricsUrl: metricsServer.url,
    workerDone,
    async stop() {
      await closeServer(server);
      // Starts of deliveries accepted before the close; eager ones still find this process's worker.
      await starter?.drain();
      await metricsServer.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerDone.catch(() => undefined);
      await Promise.allSettled([http.close(), nativeConnection.close(), connection.close()]);
    },
  };
}
