// First: the HTTP instrumentations hook the loading of the modules they trace.
import '../observability/instrument';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { createPool } from '../db/pool';
import { createLogger } from '../logger';
import { destinationGuardFor } from '../core/destinations';
import { createHttpClient } from '../core/http';
import { createApp } from './app';
import { createMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { clientInterceptors } from '../observability/temporal-interceptors';
import { startTracing } from '../observability/tracing';
import { closeServer } from './server-lifecycle';
import { apiStarterFor } from '../delivery/starter';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const tracing = startTracing(config, { role: 'api' });
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: 'temporal-webhooks-api' });
  // Lazy: the API starts, and answers 503 where needed, while Temporal is still unreachable.
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptors() });
  const http = createHttpClient({ guard: destinationGuardFor(config) });
  const metrics = createMetrics({ processMetrics: true });
  const starter = apiStarterFor({ pool, temporal, config, logger });
  const app = createApp({ pool, temporal, config, logger, http, metrics, starter });
  const metricsServer = await startMetricsServer(metrics.registry, config.METRICS_PORT, config.METRICS_HOST);
  logger.info({ url: metricsServer.url }, 'metrics listening');
  const server = app.listen(config.PORT, config.HOST, () => logger.info({ port: config.PORT }, 'API listening'));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'API shutting down');
      void closeServer(server)
        .then(() => starter?.drain())
        .then(() => Promise.allSettled([connection.close(), http.close(), metricsServer.close(), pool.end(), tracing.shutdown()]))
        .then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
