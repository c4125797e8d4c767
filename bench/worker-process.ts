/**
 * A worker process of the benchmark, run by bench/run.ts with an IPC channel.
 *
 * BENCH_ROLE=service: the whole service (worker and API, `startService`) configured by the environment,
 * as `npm start` runs it. BENCH_ROLE=baseline: a worker of the no-op workflow of bench/baseline-workflow.ts
 * from a prebuilt bundle (BENCH_BASELINE_BUNDLE), with the same worker options as the service.
 *
 * Messages in: {id, type: 'status' | 'expect' | 'stop'}; out: {type: 'ready'}, {id, type: 'reply'}, {type: 'done'}.
 */
import { DefaultLogger, makeTelemetryFilterString, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { composePool } from '../src/compose';
import { countQueries } from '../src/db/pool';
import { startService } from '../src/service';
import { workerTuning } from '../src/worker/worker';

interface Request {
  id?: number;
  type: 'status' | 'expect' | 'stop';
  count?: number;
}

const send = (message: Record<string, unknown>): void => {
  if (process.connected) process.send?.(message);
};

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const startedAt = performance.now();
  // Failed and held-back attempts are the point of some scenarios: log errors only.
  // Task counts for the benchmark: a Prometheus endpoint of the SDK's own metrics when asked for.
  const metricsAddress = process.env.BENCH_METRICS_ADDRESS;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });

  let worker: Worker;
  let stop: () => Promise<void>;
  let baseUrl: string | undefined;
  let dbQueries = (): number => 0;
  let expected = Number.POSITIVE_INFINITY;
  let completed = 0;

  if (process.env.BENCH_ROLE === 'baseline') {
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      workflowBundle: { codePath: process.env.BENCH_BASELINE_BUNDLE ?? '' },
      activities: {
        async noop(): Promise<void> {
          completed += 1;
          if (completed === expected) send({ type: 'done' });
        },
      },
      ...workerTuning(config),
    });
    const running = worker.run();
    stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await connection.close();
    };
  } else {
    const db = composePool(config, 'bench');
    dbQueries = countQueries(db.pool);
    const service = await startService({ config, pool: db.pool, logger: pino({ level: 'silent' }), host: '127.0.0.1', port: 0, metricsPort: 0 });
    worker = service.worker;
    baseUrl = service.baseUrl;
    stop = async () => {
      await service.stop();
      await db.close();
    };
  }
  send({ type: 'ready', baseUrl, startMs: performance.now() - startedAt, uptimeMs: process.uptime() * 1000 });

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= stop().finally(() => process.disconnect?.());
    return stopping;
  };
  process.on('disconnect', () => void shutdown());
  process.on('message', (message: Request) => {
    if (message.type === 'stop') {
      void shutdown();
      return;
    }
    if (message.type === 'expect') {
      completed = 0;
      expected = message.count ?? Number.POSITIVE_INFINITY;
    }
    const status = worker.getStatus();
    const memory = process.memoryUsage();
    send({
      id: message.id,
      type: 'reply',
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      inFlightActivities: status.numInFlightActivities,
      inFlightWorkflowActivations: status.numInFlightWorkflowActivations,
      cachedWorkflows: status.numCachedWorkflows,
      dbQueries: dbQueries(),
    });
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
