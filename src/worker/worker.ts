/** Builds the delivery worker: its task queue, workflows bundle, activities and options. */
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry';
import type { createActivities } from '../activities';
import { activityInterceptors } from '../observability/temporal-interceptors';
import { NO_TRACING, type Tracing } from '../observability/tracing';
import { WORKFLOW_INTERCEPTOR_MODULES } from './workflow-interceptors';

export interface DeliveryWorkerDeps {
  connection: NativeConnection;
  config: WorkerTuningConfig & Pick<Config, 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'WORKFLOW_BUNDLE_PATH'>;
  activities: ReturnType<typeof createActivities>;
  /** Overrides config.TEMPORAL_TASK_QUEUE; tests give each test its own queue. */
  taskQueue?: string;
  /** Where the workflows' spans go; nowhere when not given. */
  tracing?: Pick<Tracing, 'spanProcessor' | 'resource'>;
}

/**
 * Workflows kept in the worker's cache between their tasks (WORKER_MAX_CACHED_WORKFLOWS, 100). The SDK's
 * default grows with the heap limit (about 2,300 on a machine with 24 GB), and a delivery parked in backoff
 * stays cached, so thousands of parked deliveries held about 1 GB of worker memory. An evicted delivery is
 * replayed from its short history on its next task: with 100 cached, 10,000 parked deliveries took 472 MB
 * instead of 1,042 MB and throughput did not drop (BENCHMARKS.md). Never below the workflow task slots,
 * which the SDK requires.
 */
export function maxCachedWorkflows(config: Pick<Config, 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'>): number {
  return Math.max(config.WORKER_MAX_CACHED_WORKFLOWS, config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS);
}

export type WorkerTuningConfig = Pick<
  Config,
  | 'WORKER_MAX_CONCURRENT_ACTIVITIES'
  | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS'
  | 'WORKER_MAX_CACHED_WORKFLOWS'
  | 'WORKER_POLLER_AUTOSCALING'
  | 'WORKER_MAX_EAGER_ACTIVITIES'
  | 'WORKER_SHUTDOWN_GRACE'
>;

/** Slots, cache, pollers and eager reservations of a worker, from the settings; the benchmark's baseline worker shares them. */
export function workerTuning(config: WorkerTuningConfig): Partial<WorkerOptions> {
  return {
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE,
    maxCachedWorkflows: maxCachedWorkflows(config),
    // Pollers scaled by the server's feedback, or the SDK's fixed number (10, fewer with fewer slots).
    ...(config.WORKER_POLLER_AUTOSCALING
      ? { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } }
      : {}),
    // Used only where the server hands activities back eagerly (TEMPORAL_EAGER_ACTIVITIES on a dev server).
    maxEagerActivityReservationsPerWorkflowTask: config.WORKER_MAX_EAGER_ACTIVITIES,
  };
}

/** A worker for the delivery workflows: a prebuilt bundle when one is configured, the sources otherwise. */
export async function createDeliveryWorker(deps: DeliveryWorkerDeps): Promise<Worker> {
  const { config } = deps;
  const workflows: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> = config.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: config.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: deps.connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: deps.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
    activities: deps.activities,
    ...workflows,
    // The workflow modules apply when bundling from source; a prebuilt bundle has them built in.
    interceptors: { workflowModules: [...WORKFLOW_INTERCEPTOR_MODULES], activity: activityInterceptors },
    // Workflow spans are made in the sandbox and leave it through this sink, into the process's span processor.
    sinks: { exporter: makeWorkflowExporter((deps.tracing ?? NO_TRACING).spanProcessor, (deps.tracing ?? NO_TRACING).resource) },
    ...workerTuning(config),
  });
}
