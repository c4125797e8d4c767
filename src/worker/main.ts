// First: the HTTP instrumentations hook the loading of the modules they trace.
import '../observability/instrument';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { composeActivities, composeHttp, composePool, composeWorker, composeWorkerTemporal } from '../compose';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { startTracing } from '../observability/tracing';
import { ensureMaintenanceSchedules } from './schedules';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const tracing = startTracing(config, { role: 'worker' });
  // The SDK's own worker metrics (task slots, polls, latencies) on a Prometheus port of their own.
  Runtime.install({
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }) },
      metrics: { prometheus: { bindAddress: `${config.METRICS_HOST}:${config.TEMPORAL_METRICS_PORT}` } },
    },
  });
  const metrics = createMetrics({ processMetrics: true });

  const db = composePool(config, 'worker');
  metrics.watchHealth(db.pool, logger);
  const metricsServer = await startMetricsServer(metrics.registry, config.METRICS_PORT, config.METRICS_HOST);
  const http = composeHttp(config);
  // The client, which starts the reconciler's deliveries and manages the schedules, has a connection of its own.
  const temporal = await composeWorkerTemporal(config, { logger, clientOnWorkerConnection: false });
  const { activities } = composeActivities(config, { pool: db.pool, temporal: temporal.client, logger, http: http.http, metrics });
  const worker = await composeWorker(config, { connection: temporal.connection, activities, tracing });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'draining worker');
      worker.worker.shutdown();
    });
  }
  logger.info(
    { taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, metricsUrl: metricsServer.url, temporalMetricsPort: config.TEMPORAL_METRICS_PORT },
    'worker started',
  );
  try {
    if (config.MAINTENANCE_SCHEDULES) {
      const schedules = await ensureMaintenanceSchedules(temporal.client, config);
      logger.info({ schedules }, 'maintenance schedules in place');
    }
    await worker.run();
  } finally {
    await Promise.allSettled([temporal.close(), http.close(), metricsServer.close(), db.close()]);
    await tracing.shutdown().catch(() => undefined);
    logger.info('worker stopped');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
