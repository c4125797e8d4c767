import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from '../config';
import type { createActivities } from '../activities';

export interface DeliveryWorkerDeps {
  connection: NativeConnection;
  config: Pick<
    Config,
    'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'WORKER_MAX_CONCURRENT_ACTIVITIES' | 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS' | 'WORKER_SHUTDOWN_GRACE' | 'WORKFLOW_BUNDLE_PATH'
  >;
  activities: ReturnType<typeof createActivities>;
  /** Overrides config.TEMPORAL_TASK_QUEUE; tests give each test its own queue. */
  taskQueue?: string;
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
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE,
  });
}
