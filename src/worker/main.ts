// First: the HTTP instrumentations hook the loading of the modules they trace.
import '../observability/instrument';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from '../activities';
import { destinationGuardFor } from '../core/destinations';
import { createHttpClient } from '../core/http';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { USER_AGENT } from '../version';
import { createMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { clientInterceptors } from '../observability/temporal-interceptors';
import { startTracing } from '../observability/tracing';
import { ensureMaintenanceSchedules } from './schedules';
import { prepareSearchAttributes } from './search-attributes';
import { createDeliveryWorker } from './worker';

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

  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: 'temporal-webhooks-worker' });
  metrics.watchHealth(pool, logger);
  const metricsServer = await startMetricsServer(metrics.registry, config.METRICS_PORT, config.METRICS_HOST);
  const http = createHttpClient({ guard: destinationGuardFor(config) });
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptors() });
  await prepareSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE, logger);
  const activities = createActivities({ pool, http, config, temporal: client, logger, userAgent: USER_AGENT, metrics });
  const worker = await createDeliveryWorker({ connection, config, activities, tracing });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'draining worker');
      worker.shutdown();
    });
  }
  logger.info(
    { taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.TEMPORAL_ADDRESS, metricsUrl: metricsServer.url, temporalMetricsPort: config.TEMPORAL_METRICS_PORT },
    'worker started',
  );
  try {
    if (config.MAINTENANCE_SCHEDULES) {
      const schedules = await ensureMaintenanceSchedules(client, config);
      logger.info({ schedules }, 'maintenance schedules in place');
    }
    await worker.run();
  } finally {
    await Promise.allSettled([connection.close(), clientConnection.close(), http.close(), metricsServer.close(), pool.end()]);
    await tracing.shutdown().catch(() => undefined);
    logger.info('worker stopped');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
