// First: the HTTP instrumentations hook the loading of the modules they trace.
import '../observability/instrument';
import { composeApiTemporal, composeApp, composeHttp, composePool } from '../compose';
import { loadConfig } from '../config';
import { createLogger } from '../logger';
import { createMetrics } from '../observability/metrics';
import { startMetricsServer } from '../observability/metrics-server';
import { startTracing } from '../observability/tracing';
import { closeServer } from './server-lifecycle';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const tracing = startTracing(config, { role: 'api' });
  const db = composePool(config, 'api');
  // Lazy: the API starts, and answers 503 where needed, while Temporal is still unreachable.
  const temporal = composeApiTemporal(config);
  const http = composeHttp(config);
  const metrics = createMetrics({ processMetrics: true });
  const api = composeApp(config, { pool: db.pool, temporal: temporal.client, logger, http: http.http, metrics });
  const metricsServer = await startMetricsServer(metrics.registry, config.METRICS_PORT, config.METRICS_HOST);
  logger.info({ url: metricsServer.url }, 'metrics listening');
  const server = api.app.listen(config.PORT, config.HOST, () => logger.info({ port: config.PORT }, 'API listening'));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'API shutting down');
      // The starter drains once the server no longer accepts: starts of deliveries accepted before the close.
      void closeServer(server)
        .then(() => api.close())
        .then(() => Promise.allSettled([temporal.close(), http.close(), metricsServer.close(), db.close(), tracing.shutdown()]))
        .then(() => process.exit(0));
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
