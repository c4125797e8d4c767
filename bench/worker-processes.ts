/** The benchmark's worker processes (bench/worker-process.ts, over IPC): spawning one, its status, and the task counts of its SDK metrics. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { freePort } from '../src/dev/free-port';
import { agent } from './api';
import { round, sleep } from './stats';

export interface StatusReply {
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's heap as reserved from the system, and memory of buffers outside it. */
  heapTotalBytes: number;
  externalBytes: number;
  maxRssBytes: number;
  inFlightActivities: number;
  inFlightWorkflowActivations: number;
  cachedWorkflows: number;
  /** Statements sent to Postgres by the service process so far (BEGIN and COMMIT count). */
  dbQueries: number;
}

export interface WorkerProcess {
  pid: number;
  baseUrl: string;
  /** Spawn to ready, node and module loading included. */
  processReadyMs: number;
  /** Runtime, connections, search attributes, worker created and running, API listening. */
  startMs: number;
  status(): Promise<StatusReply>;
  /** The SDK's counters (Prometheus, summed over labels; histograms as their _count). */
  metrics(): Promise<Map<string, number>>;
  /** Resolves once the baseline worker has run `count` no-op activities from now on. */
  expect(count: number): Promise<{ done: Promise<void> }>;
  stop(): Promise<void>;
}

export async function spawnWorkerProcess(role: 'service' | 'baseline', env: Record<string, string>): Promise<WorkerProcess> {
  const spawnedAt = performance.now();
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(__dirname, 'worker-process.ts')], {
    cwd: path.resolve(__dirname, '..'),
    // MALLOC_ARENA_MAX=2 as npm start and the image set it, unless the environment says otherwise.
    env: { MALLOC_ARENA_MAX: '2', ...process.env, ...env, BENCH_ROLE: role, BENCH_METRICS_ADDRESS: metricsAddress },
    // The child's output goes to this process's stderr, so stdout carries the JSON only.
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 0;
  const replies = new Map<number, (reply: StatusReply) => void>();
  let onDone: (() => void) | undefined;
  const ready = await new Promise<{ baseUrl?: string; startMs: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} process not ready within 60 s`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} process exited with ${code} before it was ready`));
    });
    child.on('message', (message: { type: string; id?: number; baseUrl?: string; startMs?: number } & StatusReply) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        resolve({ baseUrl: message.baseUrl, startMs: message.startMs ?? Number.NaN });
      } else if (message.type === 'reply' && message.id !== undefined) {
        replies.get(message.id)?.(message);
        replies.delete(message.id);
      } else if (message.type === 'done') {
        onDone?.();
      }
    });
  });
  const processReadyMs = performance.now() - spawnedAt;
  const ask = (type: 'status' | 'expect', extra: Record<string, unknown> = {}): Promise<StatusReply> =>
    new Promise((resolve) => {
      const id = nextId++;
      replies.set(id, resolve);
      child.send({ id, type, ...extra });
    });
  return {
    pid: child.pid ?? 0,
    baseUrl: ready.baseUrl ?? '',
    processReadyMs,
    startMs: ready.startMs,
    status: () => ask('status'),
    async metrics() {
      const response = await request(`http://${metricsAddress}/metrics`, { dispatcher: agent });
      const sums = new Map<string, number>();
      for (const line of (await response.body.text()).split('\n')) {
        const match = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/i.exec(line);
        if (match) sums.set(match[1]!, (sums.get(match[1]!) ?? 0) + Number(match[2]));
      }
      return sums;
    },
    async expect(count) {
      const done = new Promise<void>((resolve) => {
        onDone = resolve;
      });
      await ask('expect', { count });
      return { done };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface TaskCounts {
  /** Activity tasks polled from the server. */
  activityTasks: number;
  /** Workflow tasks polled from the server (an eagerly started workflow's first task is not). */
  workflowTasks: number;
  /** Local activities run inside workflow tasks. */
  localActivities: number;
  /** Calls to the server by the worker and the API's client on its connection: requests and polls that returned. */
  serverCalls: number;
  /** Statements the service process sent to Postgres, each a round trip. */
  dbQueries: number;
}

/** Activity and workflow tasks the worker has received so far, and the calls to the server. */
export async function taskCounts(worker: WorkerProcess): Promise<TaskCounts> {
  const [metrics, status] = await Promise.all([worker.metrics(), worker.status()]);
  return {
    activityTasks: metrics.get('temporal_activity_task_received') ?? 0,
    workflowTasks: metrics.get('temporal_workflow_task_queue_poll_succeed') ?? 0,
    localActivities: metrics.get('temporal_local_activity_total') ?? 0,
    serverCalls: (metrics.get('temporal_request') ?? 0) + (metrics.get('temporal_long_request') ?? 0),
    dbQueries: status.dbQueries,
  };
}

export const since = (before: TaskCounts, after: TaskCounts): TaskCounts => ({
  activityTasks: after.activityTasks - before.activityTasks,
  workflowTasks: after.workflowTasks - before.workflowTasks,
  localActivities: after.localActivities - before.localActivities,
  serverCalls: after.serverCalls - before.serverCalls,
  dbQueries: after.dbQueries - before.dbQueries,
});

/** Each count per delivery. */
export const perDelivery = (tasks: TaskCounts, deliveries: number) => ({
  activityTasksPerDelivery: round(tasks.activityTasks / deliveries, 2),
  workflowTasksPerDelivery: round(tasks.workflowTasks / deliveries, 2),
  localActivitiesPerDelivery: round(tasks.localActivities / deliveries, 2),
  serverCallsPerDelivery: round(tasks.serverCalls / deliveries, 2),
  dbQueriesPerDelivery: round(tasks.dbQueries / deliveries, 2),
});

/** Resolves true once the worker has had no activity or workflow task in flight for a second, false after `timeoutMs`. */
export async function waitQuiet(worker: WorkerProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (let quiet = 0; quiet < 5; ) {
    if (performance.now() > deadline) return false;
    const status = await worker.status();
    quiet = status.inFlightActivities === 0 && status.inFlightWorkflowActivations === 0 ? quiet + 1 : 0;
    await sleep(200);
  }
  return true;
}
