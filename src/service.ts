/** Worker and API in one process, as `npm start` and the tests run them. */
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer } from './api/server-lifecycle';
import { composeActivities, composeApp, composeHttp, composeWorker, composeWorkerTemporal } from './compose';
import type { Config } from './config';
import type { Pool } from './db/pool';
import type { Logger } from './logger';
import { createMetrics } from './observability/metrics';
import { startMetricsServer } from './observability/metrics-server';
import type { Tracing } from './observability/tracing';
import { ensureMaintenanceSchedules } from './worker/schedules';

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
  // The API's client shares the worker's connection, so that a publish may start its deliveries eagerly:
  // the first workflow task comes back in the start's answer, to the worker of this process.
  const temporal = await composeWorkerTemporal(config, { logger, clientOnWorkerConnection: true });
  const { http, close: closeHttp } = composeHttp(config);
  const { activities } = composeActivities(config, { pool, temporal: temporal.client, logger, http, metrics });
  const worker = await composeWorker(config, { connection: temporal.connection, activities, tracing: deps.tracing });
  if (config.MAINTENANCE_SCHEDULES) await ensureMaintenanceSchedules(temporal.client, config);
  const workerDone = worker.run();

  const { app, close: closeApp } = composeApp(config, { pool, temporal: temporal.client, logger, http, metrics, sharesWorkerConnection: true });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(deps.port ?? config.PORT, deps.host ?? config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const metricsServer = await startMetricsServer(metrics.registry, deps.metricsPort ?? config.METRICS_PORT, deps.host ?? config.METRICS_HOST);

  return {
    baseUrl: `http://${deps.host && deps.host !== '0.0.0.0' ? deps.host : 'localhost'}:${port}`,
    client: temporal.client,
    worker: worker.worker,
    metricsUrl: metricsServer.url,
    workerDone,
    async stop() {
      await closeServer(server);
      // Starts of deliveries accepted before the close; eager ones still find this process's worker.
      await closeApp();
      await metricsServer.close();
      await worker.close();
      await Promise.allSettled([closeHttp(), temporal.close()]);
    },
  };
}
