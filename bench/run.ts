/**
 * `npm run bench -- [--events N] [--concurrency C] [--quick] [--json-only] [--only a,b] [--hang-cap K]`
 *
 * Measures delivery on this machine against the ceiling of the Temporal server, in one run: a baseline
 * of no-op workflows, end-to-end throughput, publish → receipt latency, publish API latency, fan-out,
 * isolation from a hanging endpoint, and many deliveries parked in backoff. It brings its own receivers,
 * its own Postgres database (dropped at the end), its own Temporal dev server unless TEMPORAL_ADDRESS
 * names one, and runs the service (worker and API, as `npm start` does) in a process of its own.
 *
 * Service settings (WORKER_MAX_CONCURRENT_ACTIVITIES, DATABASE_POOL_SIZE, CIRCUIT_BREAKER_THRESHOLD, …)
 * are read from the environment like the service's own. BENCH_WORKER_NODE_ARGS adds Node options to
 * the worker processes only (e.g. "--max-old-space-size=1024").
 *
 * The service gets a random ADMIN_API_KEY and ENCRYPTION_KEY for the run; every API request carries the key.
 * Each scenario also reports the CPU seconds of the Temporal server, the service, Postgres and the rest
 * (bench/cpu.ts), which say what it was waiting on.
 *
 * Prints one JSON object with every figure on stdout, then a table (unless --json-only). Progress on stderr.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Agent, request } from 'undici';
import { writeWorkflowBundle } from '../scripts/bundle-workflows';
import { loadConfig, loadDevServerConfig } from '../src/config';
import { migrate } from '../src/db/migrate';
import { createPool } from '../src/db/pool';
import { canConnect, LOCAL_SERVER_URL, resolveDatabase } from '../src/dev/postgres';
import { findTemporalCli } from '../src/dev/temporal-cli';
import { startDevServer } from '../src/dev/temporal-server';
import { ALL_SEARCH_ATTRIBUTES, reconcileScheduleId, retentionScheduleId, searchAttributes } from '../src/shared/temporal';
import { freePort } from '../src/dev/free-port';
import { measureCpu } from './cpu';
import { startBenchCluster } from './temporal-cluster';
import { type BenchReceiver, startBenchReceiver } from './receiver';
import { distribution, round, runPool, sleep, withTimeout } from './stats';

const SCENARIOS = ['baseline', 'endToEnd', 'endToEndDefaultCap', 'latency', 'publishApi', 'fanOut', 'isolation', 'parked', 'workerStartFromSource'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Measured by a full run only, unless named in --only. */
const FULL_ONLY: Scenario[] = ['endToEndDefaultCap', 'workerStartFromSource'];

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    quick: { type: 'boolean', default: false },
    'json-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    'hang-cap': { type: 'string' },
    'wait-seconds': { type: 'string' },
    temporal: { type: 'string', default: 'dev' },
  },
});
if (args.temporal !== 'dev' && args.temporal !== 'cluster') throw new Error('--temporal takes dev or cluster');

const quick = args.quick === true;
const N = Number(args.events ?? (quick ? 60 : 2000));
const C = Number(args.concurrency);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(C) || C < 1) throw new Error('--events and --concurrency take positive integers');
const only = args.only?.split(',').map((name) => name.trim()).filter(Boolean);
for (const name of only ?? []) if (!SCENARIOS.includes(name as Scenario)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
const enabled = (scenario: Scenario): boolean => (only ? only.includes(scenario) : !(quick && FULL_ONLY.includes(scenario)));

const sizes = {
  latencyRate: 20,
  latencySeconds: quick ? 2 : 10,
  publishClients: 32,
  publishSeconds: quick ? 1 : 5,
  fanOut: quick ? 25 : 100,
  hanging: quick ? 30 : 1000,
  hangTimeoutMs: 1000,
  /** Long enough to include the waves of retries of the held-back deliveries (every 30 s or more). */
  isolationSeconds: quick ? 2 : 60,
  /** Default per-config cap of the service (10) unless --hang-cap says otherwise. */
  hangCap: args['hang-cap'] ? Number(args['hang-cap']) : undefined,
  parked: quick ? 150 : 10_000,
  parkedSample: 20,
  defaultCapEvents: 500,
};
/** Longest wait for any one scenario's work before the run gives up; --wait-seconds for a busy machine. */
const WAIT_MS = args['wait-seconds'] ? Number(args['wait-seconds']) * 1000 : quick ? 60_000 : 600_000;
if (!Number.isFinite(WAIT_MS) || WAIT_MS <= 0) throw new Error('--wait-seconds takes a positive number');
const EVENT_NAME = 'bench.event';

const startedAt = performance.now();
const log = (line: string): void => {
  if (!args['json-only']) console.error(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}`);
};

// ---------------------------------------------------------------------------------------------------
// HTTP calls to the API

const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

/**
 * The service's admin API key for this run, given to the service as ADMIN_API_KEY and sent on every
 * API request; with ENCRYPTION_KEY (secrets at rest) and a rate limit far above what the bench sends.
 */
const ADMIN_API_KEY = `twk_admin_${randomBytes(16).toString('hex')}`;
const ENCRYPTION_KEY = randomBytes(32).toString('base64');

async function call(baseUrl: string, method: 'PUT' | 'POST', urlPath: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await request(baseUrl + urlPath, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_API_KEY}` },
    body: JSON.stringify(body),
    dispatcher: agent,
  }).catch((error: unknown) => {
    throw new Error(`${method} ${baseUrl}${urlPath}: ${String(error)}`, { cause: error });
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? (JSON.parse(text) as unknown) : null };
}

interface Published {
  eventId: string;
  workflowIds: string[];
}

async function publish(baseUrl: string, org: string, data: Record<string, unknown>): Promise<Published> {
  const { status, json } = await call(baseUrl, 'POST', `/webhooks/${org}/events`, { eventName: EVENT_NAME, data });
  if (status !== 202) throw new Error(`publish answered ${status}: ${JSON.stringify(json)}`);
  const answer = json as { eventId: string; deliveries: { workflowId: string }[] };
  return { eventId: answer.eventId, workflowIds: answer.deliveries.map((d) => d.workflowId) };
}

async function subscribe(baseUrl: string, org: string, configId: string, url: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { status, json } = await call(baseUrl, 'PUT', `/webhooks/${org}/configs/${configId}`, { url, eventNames: [EVENT_NAME], ...extra });
  if (status !== 201 && status !== 200) throw new Error(`config answered ${status}: ${JSON.stringify(json)}`);
}

/** Publishes `count` events with `concurrency` clients in a closed loop; each event's send and 202 times too. */
async function publishMany(
  baseUrl: string,
  org: string,
  count: number,
  concurrency: number,
): Promise<{ published: Published[]; sent: Sent[]; firstAt: number; seconds: number }> {
  const published: Published[] = new Array(count);
  const sent: Sent[] = new Array(count);
  const firstAt = performance.now();
  await runPool(count, concurrency, async (i) => {
    const sentAt = performance.now();
    published[i] = await publish(baseUrl, org, { i });
    sent[i] = { eventId: published[i].eventId, sentAt, acceptedAt: performance.now() };
  });
  return { published, sent, firstAt, seconds: (performance.now() - firstAt) / 1000 };
}

interface Sent {
  eventId: string;
  sentAt: number;
  acceptedAt: number;
}

/**
 * Publishes at a steady rate (open loop: a slow answer does not hold the next event back) for `seconds`,
 * or for as long as `keepGoing()` says so; resolves with the send and 202 times of each event.
 */
async function publishAtRate(baseUrl: string, org: string, rate: number, until: number | (() => boolean)): Promise<Sent[]> {
  const keepGoing = typeof until === 'number' ? (i: number) => i < Math.max(1, Math.round(rate * until)) : (i: number) => i === 0 || until();
  const start = performance.now();
  const inFlight: Promise<Sent>[] = [];
  for (let i = 0; keepGoing(i); i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    const sending = publish(baseUrl, org, { i }).then(({ eventId }) => ({ eventId, sentAt, acceptedAt: performance.now() }));
    // Handled where they are awaited together; marked handled now so that one failing early is reported there.
    sending.catch(() => undefined);
    inFlight.push(sending);
  }
  return Promise.all(inFlight);
}

/** Publish → receipt and 202 → receipt latencies of events sent by publishAtRate, once all have arrived. */
async function latencies(receiver: BenchReceiver, sending: Promise<Sent[]>) {
  const sent = await sending;
  await receiver.waitFor(
    sent.map((s) => s.eventId),
    WAIT_MS,
  );
  return {
    total: sent.map((s) => receiver.receipts.get(s.eventId)! - s.sentAt),
    afterAccept: sent.map((s) => receiver.receipts.get(s.eventId)! - s.acceptedAt),
  };
}

// ---------------------------------------------------------------------------------------------------
// Worker processes (bench/worker-process.ts)

interface StatusReply {
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

interface WorkerProcess {
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

async function spawnWorkerProcess(role: 'service' | 'baseline', env: Record<string, string>): Promise<WorkerProcess> {
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

interface TaskCounts {
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
async function taskCounts(worker: WorkerProcess): Promise<TaskCounts> {
  const [metrics, status] = await Promise.all([worker.metrics(), worker.status()]);
  return {
    activityTasks: metrics.get('temporal_activity_task_received') ?? 0,
    workflowTasks: metrics.get('temporal_workflow_task_queue_poll_succeed') ?? 0,
    localActivities: metrics.get('temporal_local_activity_total') ?? 0,
    serverCalls: (metrics.get('temporal_request') ?? 0) + (metrics.get('temporal_long_request') ?? 0),
    dbQueries: status.dbQueries,
  };
}

const since = (before: TaskCounts, after: TaskCounts): TaskCounts => ({
  activityTasks: after.activityTasks - before.activityTasks,
  workflowTasks: after.workflowTasks - before.workflowTasks,
  localActivities: after.localActivities - before.localActivities,
  serverCalls: after.serverCalls - before.serverCalls,
  dbQueries: after.dbQueries - before.dbQueries,
});

/** Each count per delivery. */
const perDelivery = (tasks: TaskCounts, deliveries: number) => ({
  activityTasksPerDelivery: round(tasks.activityTasks / deliveries, 2),
  workflowTasksPerDelivery: round(tasks.workflowTasks / deliveries, 2),
  localActivitiesPerDelivery: round(tasks.localActivities / deliveries, 2),
  serverCallsPerDelivery: round(tasks.serverCalls / deliveries, 2),
  dbQueriesPerDelivery: round(tasks.dbQueries / deliveries, 2),
});

/** Mean history length of a random sample of the given (closed) workflows. */
async function historyEventsPerDelivery(client: Client, workflowIds: readonly string[], sampleSize = 20): Promise<number> {
  const sample = Array.from({ length: Math.min(sampleSize, workflowIds.length) }, () => workflowIds[Math.floor(Math.random() * workflowIds.length)]!);
  const lengths = await Promise.all(sample.map(async (id) => (await client.workflow.getHandle(id).describe()).historyLength));
  return round(lengths.reduce((a, b) => a + b, 0) / Math.max(lengths.length, 1), 1);
}

/**
 * Resolves once a random sample of the workflows all have had their first attempt and wait for a retry
 * (the pending activity's attempt is 2 or more, or, after a local first attempt, the workflow waits with
 * its status retrying); returns how many of the sample were seen so.
 */
async function waitFirstAttempts(client: Client, workflowIds: readonly string[], sampleSize: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const sample = Array.from({ length: sampleSize }, () => workflowIds[Math.floor(Math.random() * workflowIds.length)]!);
  for (;;) {
    const states = await Promise.all(
      sample.map(async (id) => {
        // Started after the publish was answered: a workflow not there yet has had no attempt.
        const description = await client.workflow.getHandle(id).describe().catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        });
        if (!description) return false;
        const pending = description.raw.pendingActivities?.[0];
        if (pending) return (pending.attempt ?? 0) >= 2;
        // A first attempt run as a local activity: the workflow then waits in a timer, its status search
        // attribute retrying (read from the server, so a busy worker does not hold the answer up).
        return description.status.name === 'RUNNING' && description.typedSearchAttributes.get(searchAttributes.deliveryStatus) === 'retrying';
      }),
    );
    const retrying = states.filter(Boolean).length;
    if (retrying === sample.length || performance.now() > deadline) return retrying;
    await sleep(500);
  }
}

/** Resolves true once the worker has had no activity or workflow task in flight for a second, false after `timeoutMs`. */
async function waitQuiet(worker: WorkerProcess, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (let quiet = 0; quiet < 5; ) {
    if (performance.now() > deadline) return false;
    const status = await worker.status();
    quiet = status.inFlightActivities === 0 && status.inFlightWorkflowActivations === 0 ? quiet + 1 : 0;
    await sleep(200);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------

const mb = (bytes: number): number => round(bytes / 1_048_576, 0);

async function main(): Promise<Record<string, unknown>> {
  const began = performance.now();
  const tag = randomBytes(4).toString('hex');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tw-bench-'));
  /** Run last-in first-out at the end, whatever happened. */
  const cleanups: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const results: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: round(os.totalmem() / 1024 ** 3, 0), node: process.version, loadAverageAtStart: os.loadavg()[0] },
    events: N,
    concurrency: C,
    quick,
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: cleaning up');
    void runCleanups(cleanups).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // Postgres (a database of this run's own), Temporal and the two workflow bundles, side by side.
    const externalTemporal = process.env.TEMPORAL_ADDRESS;
    const devServerConfig = loadDevServerConfig(process.env);
    const [database, address, serviceBundle, baselineBundle] = await Promise.all([
      (async () => {
        // As `npm start` finds it, but a loaded machine gets longer than 1.5 s to answer before the
        // embedded fallback, and nothing else is created on the local server.
        const local = !process.env.DATABASE_URL && (await canConnect(LOCAL_SERVER_URL, 10_000));
        const server = local ? { url: LOCAL_SERVER_URL, stop: async () => undefined } : await resolveDatabase(process.env, log);
        cleanups.push(() => server.stop());
        const name = `tw_bench_${tag}`;
        const admin = new pg.Client({ connectionString: server.url });
        await admin.connect();
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
        await admin.end();
        cleanups.push(async () => {
          const c = new pg.Client({ connectionString: server.url });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
          await c.end();
        });
        const url = new URL(server.url);
        url.pathname = `/${name}`;
        const pool = createPool({ connectionString: url.toString(), max: 2 });
        await migrate(pool);
        await pool.end();
        return { name, url: url.toString() };
      })(),
      (async () => {
        if (externalTemporal) return externalTemporal;
        if (args.temporal === 'cluster') {
          const cluster = await startBenchCluster({
            postgresUrl: process.env.DATABASE_URL || LOCAL_SERVER_URL,
            tag,
            dataDir: path.join(workDir, 'cluster'),
            namespace: process.env.TEMPORAL_NAMESPACE || 'default',
            fairness: devServerConfig.TEMPORAL_FAIRNESS,
            log,
          });
          cleanups.push(() => cluster.stop());
          return cluster.address;
        }
        const dev = await startDevServer({
          cli: findTemporalCli(process.env),
          port: await freePort(),
          uiPort: await freePort(),
          dbFilename: path.join(workDir, 'temporal.db'),
          namespace: process.env.TEMPORAL_NAMESPACE || 'default',
          searchAttributes: ALL_SEARCH_ATTRIBUTES,
          // A new database: TEMPORAL_FAIRNESS and TEMPORAL_EAGER_ACTIVITIES apply as set, for A/B runs.
          settings: { fairness: devServerConfig.TEMPORAL_FAIRNESS, eagerActivities: devServerConfig.TEMPORAL_EAGER_ACTIVITIES },
          log,
        });
        cleanups.push(() => dev.stop());
        return dev.address;
      })(),
      process.env.WORKFLOW_BUNDLE_PATH || writeWorkflowBundle(path.join(workDir, 'workflow-bundle.js')),
      bundleWorkflowCode({
        workflowsPath: require.resolve('./baseline-workflow'),
        logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} },
      }).then(async ({ code }) => {
        const file = path.join(workDir, 'baseline-bundle.js');
        await writeFile(file, code);
        return file;
      }),
    ]);
    log(`Temporal at ${address} (${externalTemporal ? 'TEMPORAL_ADDRESS' : `own ${args.temporal === 'cluster' ? 'cluster' : 'dev server'}`}); Postgres database ${database.name}; setup ${round((performance.now() - began) / 1000, 1)} s`);

    const queues = { baseline: `bench-${tag}-baseline`, service: `bench-${tag}`, parked: `bench-${tag}-parked`, source: `bench-${tag}-source` };
    const serviceEnv: Record<string, string> = {
      DATABASE_URL: database.url,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: queues.service,
      WORKFLOW_BUNDLE_PATH: serviceBundle,
      LOG_LEVEL: 'silent',
      // The reconciler runs as under npm start: on a saturated machine a workflow start can miss its 3 s
      // deadline, and the reconciler is what starts such a delivery. Its Schedules are deleted at the end.
      MAINTENANCE_SCHEDULES: 'true',
      RECONCILE_INTERVAL: '5s',
      RECONCILE_MIN_AGE: '5s',
      // The receivers are local servers: loopback is opened as an operator would for them.
      ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
      WORKER_SHUTDOWN_GRACE: '1s',
      ADMIN_API_KEY,
      ENCRYPTION_KEY,
      RATE_LIMIT_PER_MINUTE: '10000000',
    };
    const config = loadConfig({ ...process.env, ...serviceEnv });
    /** CPU seconds of each part from now until the returned function is called. */
    const cpu = (worker: WorkerProcess) =>
      measureCpu(
        { temporalMatch: externalTemporal ? undefined : path.join(workDir, args.temporal === 'cluster' ? 'cluster' : 'temporal.db'), workerPid: worker.pid },
        os.cpus().length,
      );
    results.database = database.name;
    results.temporal = externalTemporal
      ? 'TEMPORAL_ADDRESS'
      : args.temporal === 'cluster'
        ? 'own cluster (frontend, history, matching, worker processes on Postgres)'
        : 'own dev server (SQLite, journal_mode=wal, synchronous=off)';
    results.settings = {
      WORKER_MAX_CONCURRENT_ACTIVITIES: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      DATABASE_POOL_SIZE: config.DATABASE_POOL_SIZE,
      CIRCUIT_BREAKER_THRESHOLD: config.CIRCUIT_BREAKER_THRESHOLD,
      THROTTLE_RETRY_DELAY_MS: config.THROTTLE_RETRY_DELAY,
      PUBLISH_STARTS_AFTER_ANSWER: config.PUBLISH_STARTS_AFTER_ANSWER,
      PUBLISH_START_CONCURRENCY: config.PUBLISH_START_CONCURRENCY,
      // Server levers apply to the run's own server only: fairness to its dev server or cluster, eager activities to its dev server.
      TEMPORAL_FAIRNESS: externalTemporal ? null : devServerConfig.TEMPORAL_FAIRNESS,
      TEMPORAL_EAGER_ACTIVITIES: externalTemporal || args.temporal === 'cluster' ? null : devServerConfig.TEMPORAL_EAGER_ACTIVITIES,
      WORKER_MAX_CACHED_WORKFLOWS: config.WORKER_MAX_CACHED_WORKFLOWS,
      WORKER_POLLER_AUTOSCALING: config.WORKER_POLLER_AUTOSCALING,
      WORKER_MAX_EAGER_ACTIVITIES: config.WORKER_MAX_EAGER_ACTIVITIES,
      DELIVERY_FIRST_ATTEMPT_LOCAL: config.DELIVERY_FIRST_ATTEMPT_LOCAL,
      workerNodeArgs: process.env.BENCH_WORKER_NODE_ARGS ?? '',
    };

    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    // Schedules outlive the run's workers: every task queue's are removed (one that never existed is no error).
    cleanups.push(() =>
      Promise.allSettled(
        Object.values(queues).flatMap((queue) => [reconcileScheduleId(queue), retentionScheduleId(queue)].map((id) => client.schedule.getHandle(id).delete())),
      ),
    );
    if (externalTemporal) {
      // A shared server keeps the workflows this run leaves running (hanging, parked): terminate them.
      cleanups.push(() =>
        connection.workflowService.startBatchOperation({
          namespace: config.TEMPORAL_NAMESPACE,
          jobId: `bench-cleanup-${tag}`,
          reason: 'benchmark finished',
          visibilityQuery: `ExecutionStatus = 'Running' AND (${Object.values(queues).map((q) => `TaskQueue = '${q}'`).join(' OR ')})`,
          terminationOperation: {},
        }),
      );
    }

    const ok = await startBenchReceiver('ok');
    const failing = await startBenchReceiver('fail');
    const hanging = await startBenchReceiver('hang');
    cleanups.push(() => Promise.all([ok.close(), failing.close(), hanging.close()]));

    /** N events to one config of `org` (cap 1000 unless `extra` says otherwise), first publish to last receipt. */
    const throughput = async (baseUrl: string, org: string, count = N, extra: Record<string, unknown> = { maxConcurrency: 1000 }) => {
      await subscribe(baseUrl, org, 'main', ok.url, extra);
      const { published, sent, firstAt, seconds: publishSeconds } = await publishMany(baseUrl, org, count, C);
      const ids = published.map((p) => p.eventId);
      await ok.waitFor(ids, WAIT_MS);
      const seconds = (Math.max(...ids.map((id) => ok.receipts.get(id)!)) - firstAt) / 1000;
      const figures = {
        deliveries: count,
        clients: C,
        seconds: round(seconds, 2),
        perSecond: round(count / seconds),
        publishSeconds: round(publishSeconds, 2),
        // The shape of the peer figures in BENCHMARKS.md: publish API and publish -> receipt under this load.
        publishLatency: distribution(sent.map((x) => x.acceptedAt - x.sentAt)),
        publishToReceipt: distribution(sent.map((x) => ok.receipts.get(x.eventId)! - x.sentAt)),
      };
      return { figures, workflowIds: published.flatMap((p) => p.workflowIds) };
    };

    // 1. Baseline: N no-op workflows, one no-op activity each, same worker options, same server.
    if (enabled('baseline')) {
      const worker = await spawnWorkerProcess('baseline', { ...serviceEnv, TEMPORAL_TASK_QUEUE: queues.baseline, BENCH_BASELINE_BUNDLE: baselineBundle });
      cleanups.push(() => worker.stop());
      const { done } = await worker.expect(N);
      const cpuUse = cpu(worker);
      const first = performance.now();
      await runPool(N, C, async (i) => {
        await client.workflow.start('baselineWorkflow', { taskQueue: queues.baseline, workflowId: `bench-baseline-${tag}-${i}` });
      });
      const startSeconds = (performance.now() - first) / 1000;
      await withTimeout(done, WAIT_MS, `baseline workflows did not finish within ${WAIT_MS} ms`);
      const seconds = (performance.now() - first) / 1000;
      results.baseline = { workflows: N, seconds: round(seconds, 2), perSecond: round(N / seconds), startsPerSecond: round(N / startSeconds), cpuSeconds: cpuUse() };
      log(`1 baseline: ${round(N / seconds)} workflows/s`);
      await worker.stop();
    }

    // Worker start without the prebuilt bundle, for comparison (bundles the workflows from source).
    if (enabled('workerStartFromSource')) {
      const worker = await spawnWorkerProcess('service', { ...serviceEnv, TEMPORAL_TASK_QUEUE: queues.source, WORKFLOW_BUNDLE_PATH: '' });
      results.workerStartFromSource = { processReadyMs: round(worker.processReadyMs, 0), startServiceMs: round(worker.startMs, 0) };
      log(`worker start from source: ${round(worker.startMs, 0)} ms`);
      await worker.stop();
    }

    const phase1 = [
      'endToEnd',
      'endToEndDefaultCap',
      'latency',
      'publishApi',
      'fanOut',
      'isolation',
    ] as const satisfies readonly Scenario[];
    if (phase1.some(enabled)) {
      const service = await spawnWorkerProcess('service', serviceEnv);
      cleanups.push(() => service.stop());
      results.workerStart = { processReadyMs: round(service.processReadyMs, 0), startServiceMs: round(service.startMs, 0), bundle: 'prebuilt' };
      log(`worker start with the prebuilt bundle: ${round(service.startMs, 0)} ms (process ready after ${round(service.processReadyMs, 0)} ms)`);
      const { baseUrl } = service;
      const typeAnswer = await call(baseUrl, 'PUT', `/event-types/${EVENT_NAME}`, {});
      if (typeAnswer.status >= 300) throw new Error(`event type answered ${typeAnswer.status}`);

      // 2. End-to-end throughput: N events, one config each, C clients.
      if (enabled('endToEnd')) {
        const before = await taskCounts(service);
        const cpuUse = cpu(service);
        const { figures: e2e, workflowIds: e2eWorkflowIds } = await throughput(baseUrl, `e2e-${tag}`);
        const cpuSeconds = cpuUse();
        const tasks = since(before, await taskCounts(service));
        const baselineRate = (results.baseline as { perSecond?: number } | undefined)?.perSecond;
        results.endToEnd = {
          ...e2e,
          maxConcurrency: 1000,
          ratioToBaseline: baselineRate ? round(e2e.perSecond / baselineRate, 2) : null,
          ...perDelivery(tasks, N),
          historyEventsPerDelivery: await historyEventsPerDelivery(client, e2eWorkflowIds),
          cpuSeconds,
        };
        log(`2 end-to-end: ${e2e.perSecond} deliveries/s (publishing took ${e2e.publishSeconds} s)`);
      }
      if (enabled('endToEndDefaultCap')) {
        // Fewer events: every attempt over the cap is turned away and retried later, which makes it slow.
        const before = await taskCounts(service);
        const { figures: capped } = await throughput(baseUrl, `e2e-cap10-${tag}`, Math.min(N, sizes.defaultCapEvents), {});
        const tasks = since(before, await taskCounts(service));
        results.endToEndDefaultCap = {
          ...capped,
          maxConcurrency: 10,
          ...perDelivery(tasks, capped.deliveries),
        };
        log(`2 end-to-end with the default cap of 10: ${capped.perSecond} deliveries/s`);
      }

      // 3. Latency at a modest steady rate.
      const latencyOrg = `latency-${tag}`;
      await subscribe(baseUrl, latencyOrg, 'main', ok.url, { maxConcurrency: 1000 });
      if (enabled('latency')) {
        const steady = await latencies(ok, publishAtRate(baseUrl, latencyOrg, sizes.latencyRate, sizes.latencySeconds));
        results.latency = {
          ratePerSecond: sizes.latencyRate,
          seconds: sizes.latencySeconds,
          ...distribution(steady.total),
          acceptedToReceipt: distribution(steady.afterAccept),
        };
        log(`3 latency: p50 ${round(distribution(steady.total).p50)} ms, p99 ${distribution(steady.total).p99} ms`);
      }

      // 4. Publish API latency at 32 concurrent clients (closed loop).
      if (enabled('publishApi')) {
        const org = `publish-${tag}`;
        await subscribe(baseUrl, org, 'main', ok.url, { maxConcurrency: 1000 });
        const latencies: number[] = [];
        const ids: string[] = [];
        const cpuUse = cpu(service);
        const start = performance.now();
        const until = start + sizes.publishSeconds * 1000;
        await Promise.all(
          Array.from({ length: sizes.publishClients }, async () => {
            while (performance.now() < until) {
              const t = performance.now();
              ids.push((await publish(baseUrl, org, { t })).eventId);
              latencies.push(performance.now() - t);
            }
          }),
        );
        const seconds = (performance.now() - start) / 1000;
        results.publishApi = {
          clients: sizes.publishClients,
          seconds: round(seconds, 1),
          requests: latencies.length,
          perSecond: round(latencies.length / seconds),
          ...distribution(latencies),
          cpuSeconds: cpuUse(),
        };
        log(`4 publish API: p50 ${distribution(latencies).p50} ms, p99 ${distribution(latencies).p99} ms, ${round(latencies.length / seconds)} requests/s`);
        // Let its deliveries finish before the next scenario.
        await ok.waitFor(ids, WAIT_MS);
      }

      // 5. Fan-out: one event matching 100 configs.
      if (enabled('fanOut')) {
        const org = `fanout-${tag}`;
        await runPool(sizes.fanOut, 8, (i) => subscribe(baseUrl, org, `c${String(i).padStart(3, '0')}`, ok.url));
        const t = performance.now();
        const { eventId, workflowIds } = await publish(baseUrl, org, { fanOut: true });
        const publishMs = performance.now() - t;
        if (workflowIds.length !== sizes.fanOut) throw new Error(`fan-out event matched ${workflowIds.length} configs`);
        await ok.waitFor([eventId], WAIT_MS, sizes.fanOut);
        const ms = performance.now() - t;
        results.fanOut = { configs: sizes.fanOut, ms: round(ms, 0), publishMs: round(publishMs, 0) };
        log(`5 fan-out to ${sizes.fanOut} configs: all received after ${round(ms, 0)} ms (publish answered after ${round(publishMs, 0)} ms)`);
      }

      // 6. Isolation: deliveries to an endpoint that hangs for its whole timeout, beside the steady load
      // of scenario 3. First while they are published (32 clients) and take their first attempts (the
      // burst), then, the figure compared with scenario 3, while they wait and retry.
      if (enabled('isolation')) {
        const org = `hang-${tag}`;
        await subscribe(baseUrl, org, 'main', hanging.url, { timeoutMs: sizes.hangTimeoutMs, ...(sizes.hangCap ? { maxConcurrency: sizes.hangCap } : {}) });
        const burstStart = performance.now();
        const burstBefore = await taskCounts(service);
        let publishing = true;
        const duringBurst = latencies(ok, publishAtRate(baseUrl, latencyOrg, sizes.latencyRate, () => publishing));
        const { published: hangingPublished, seconds: hangPublishSeconds } = await publishMany(baseUrl, org, sizes.hanging, C);
        await waitFirstAttempts(
          client,
          hangingPublished.map((p) => p.workflowIds[0]!),
          sizes.parkedSample,
          WAIT_MS,
        );
        publishing = false;
        const burstSeconds = (performance.now() - burstStart) / 1000;
        const burst = await duringBurst;
        const hangRequestsBefore = hanging.requests();
        const windowBefore = await taskCounts(service);
        const windowCpu = cpu(service);
        const steady = await latencies(ok, publishAtRate(baseUrl, latencyOrg, sizes.latencyRate, sizes.isolationSeconds));
        const windowCpuSeconds = windowCpu();
        const windowTasks = since(windowBefore, await taskCounts(service));
        const burstTasks = since(burstBefore, windowBefore);
        const d = distribution(steady.total);
        const latencyP99 = (results.latency as { p99?: number } | undefined)?.p99;
        results.isolation = {
          hangingDeliveries: sizes.hanging,
          hangingTimeoutMs: sizes.hangTimeoutMs,
          hangingMaxConcurrency: sizes.hangCap ?? 10,
          healthyRatePerSecond: sizes.latencyRate,
          windowSeconds: sizes.isolationSeconds,
          ...d,
          acceptedToReceipt: distribution(steady.afterAccept),
          p99RatioToLatency: latencyP99 ? round(d.p99 / latencyP99, 2) : null,
          hangingRequestsDuringWindow: hanging.requests() - hangRequestsBefore,
          // Healthy deliveries take one activity task each; the rest are attempts of the hanging ones.
          windowTasks,
          windowHealthyDeliveries: steady.total.length,
          windowCpuSeconds,
          burst: {
            publishSeconds: round(hangPublishSeconds, 1),
            absorbedSeconds: round(burstSeconds, 1),
            hangingRequests: hangRequestsBefore,
            tasks: burstTasks,
            healthyDeliveries: burst.total.length,
            healthy: distribution(burst.total),
          },
        };
        log(
          `6 isolation: healthy p50 ${d.p50} ms, p99 ${d.p99} ms beside ${sizes.hanging} deliveries to a hanging endpoint ` +
            `(during their burst: p50 ${distribution(burst.total).p50} ms, p99 ${distribution(burst.total).p99} ms)`,
        );
      }
      await service.stop();
    }

    // 7. Parked: deliveries in backoff against a failing endpoint, in a fresh service process whose
    // first retry comes after 10 minutes; the worker process's RSS, then throughput beside them.
    if (enabled('parked')) {
      const service = await spawnWorkerProcess('service', { ...serviceEnv, TEMPORAL_TASK_QUEUE: queues.parked, DELIVERY_RETRY_INITIAL_INTERVAL: '10m' });
      cleanups.push(() => service.stop());
      if (!results.workerStart) results.workerStart = { processReadyMs: round(service.processReadyMs, 0), startServiceMs: round(service.startMs, 0), bundle: 'prebuilt' };
      const { baseUrl } = service;
      await call(baseUrl, 'PUT', `/event-types/${EVENT_NAME}`, {});
      const idle = await service.status();
      const org = `parked-${tag}`;
      await subscribe(baseUrl, org, 'main', failing.url);
      const parkBefore = await taskCounts(service);
      const { published, seconds: publishSeconds } = await publishMany(baseUrl, org, sizes.parked, C);
      log(`7 parked: ${sizes.parked} published in ${round(publishSeconds, 1)} s; waiting until they are all in backoff`);

      // Parked: every sampled workflow has had its first attempt turned down and waits for the next,
      // and the worker has been idle for a second.
      const settleStart = performance.now();
      const inBackoff = await waitFirstAttempts(
        client,
        published.map((p) => p.workflowIds[0]!),
        sizes.parkedSample,
        WAIT_MS,
      );
      const workerQuiet = await waitQuiet(service, WAIT_MS);
      const settleSeconds = (performance.now() - settleStart) / 1000;
      const parkTasks = since(parkBefore, await taskCounts(service));
      const parked = await service.status();
      log(`7 parked: worker process RSS ${mb(parked.rssBytes)} MB (${mb(idle.rssBytes)} MB before), ${parked.cachedWorkflows} workflows cached`);
      const againCpu = cpu(service);
      const { figures: again } = await throughput(baseUrl, `e2e-parked-${tag}`);
      const againCpuSeconds = againCpu();
      const after = await service.status();
      const e2eRate = (results.endToEnd as { perSecond?: number } | undefined)?.perSecond;
      results.parked = {
        deliveries: sizes.parked,
        publishSeconds: round(publishSeconds, 1),
        sampledInBackoff: `${inBackoff}/${sizes.parkedSample}`,
        workerQuietBeforeMeasuring: workerQuiet,
        settleSeconds: round(settleSeconds, 1),
        // From the first publish until all are parked: the first attempt of each, turned away.
        tasksToPark: parkTasks,
        workerRssIdleMb: mb(idle.rssBytes),
        workerRssParkedMb: mb(parked.rssBytes),
        workerHeapUsedParkedMb: mb(parked.heapUsedBytes),
        workerHeapTotalParkedMb: mb(parked.heapTotalBytes),
        workerExternalParkedMb: mb(parked.externalBytes),
        workerRssAfterThroughputMb: mb(after.rssBytes),
        workerMaxRssMb: mb(after.maxRssBytes),
        cachedWorkflows: parked.cachedWorkflows,
        rssOf: 'the service process: worker and API together, as npm start runs them',
        endToEndPerSecond: again.perSecond,
        endToEndSeconds: again.seconds,
        ratioToEndToEnd: e2eRate ? round(again.perSecond / e2eRate, 2) : null,
        endToEndCpuSeconds: againCpuSeconds,
      };
      log(`7 parked: throughput beside them ${again.perSecond} deliveries/s`);
      await service.stop();
    }
    results.targets = targetsOf(results);
    (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg()[0];
    results.totalSeconds = round((performance.now() - began) / 1000, 1);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!interrupted) await runCleanups(cleanups);
  }
  return results;
}

interface Target {
  figure: string;
  measured: number;
  unit: string;
  target: string;
  met: boolean;
}

/** Each target the run measured, with its figure and whether it is met. */
function targetsOf(r: Record<string, unknown>): Target[] {
  const get = (key: string) => r[key] as Record<string, unknown> | undefined;
  const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const targets: Target[] = [];
  const check = (figure: string, measured: number | undefined, unit: string, target: string, met: (x: number) => boolean) => {
    if (measured !== undefined) targets.push({ figure, measured, unit, target, met: met(measured) });
  };
  check('2 end-to-end throughput', num(get('endToEnd')?.perSecond), 'deliveries/s', '>= 150', (x) => x >= 150);
  check('4 publish API p50, 32 clients', num(get('publishApi')?.p50), 'ms', '<= 15', (x) => x <= 15);
  check('4 publish API p99, 32 clients', num(get('publishApi')?.p99), 'ms', '<= 50', (x) => x <= 50);
  check('3 publish -> receipt p50, idle', num(get('latency')?.p50), 'ms', '<= 30', (x) => x <= 30);
  const fanOut = get('fanOut');
  if (fanOut?.configs === 100) check('5 fan-out to 100 configs', num(fanOut.ms), 'ms', '< 1000', (x) => x < 1000);
  const idleP99 = num(get('latency')?.p99);
  const isolation = get('isolation');
  if (idleP99 !== undefined && isolation) {
    const burst = (isolation.burst as { healthy?: { p99?: number } } | undefined)?.healthy?.p99;
    check('6 isolation: healthy p99 during the burst', burst, 'ms', `< ${round(2 * idleP99)} (2 x idle p99)`, (x) => x < 2 * idleP99);
    check('6 isolation: healthy p99 after the burst', num(isolation.p99), 'ms', `< ${round(2 * idleP99)} (2 x idle p99)`, (x) => x < 2 * idleP99);
  }
  const parked = get('parked');
  check('7 parked: service RSS with 10,000 in backoff', parked?.deliveries === 10_000 ? num(parked.workerRssParkedMb) : undefined, 'MB', '< 300', (x) => x < 300);
  check('7 parked: throughput beside them', num(parked?.ratioToEndToEnd), 'x scenario 2', '>= 0.9', (x) => x >= 0.9);
  return targets;
}

async function runCleanups(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  await agent.close();
}

function printTable(r: Record<string, unknown>): void {
  const get = (key: string) => (r[key] ?? {}) as Record<string, number | string | null>;
  const has = (key: string) => r[key] !== undefined;
  const rows: [string, string, string][] = [];
  const add = (key: string, name: string, value: () => string, note = '') => {
    if (has(key)) rows.push([name, value(), note]);
  };
  add('baseline', '1 baseline: no-op workflows', () => `${get('baseline').perSecond} workflows/s`);
  add('endToEnd', '2 end-to-end throughput (cap 1000)', () => `${get('endToEnd').perSecond} deliveries/s`, `${get('endToEnd').ratioToBaseline} x baseline`);
  add('endToEndDefaultCap', '2 end-to-end throughput (cap 10)', () => `${get('endToEndDefaultCap').perSecond} deliveries/s`);
  add('latency', '3 latency publish -> receipt', () => `p50 ${get('latency').p50} / p95 ${get('latency').p95} / p99 ${get('latency').p99} ms`);
  add('publishApi', '4 publish API, 32 clients', () => `p50 ${get('publishApi').p50} / p99 ${get('publishApi').p99} ms`, `${get('publishApi').perSecond} requests/s`);
  add('fanOut', `5 fan-out to ${get('fanOut').configs} configs`, () => `${get('fanOut').ms} ms`, `publish answered after ${get('fanOut').publishMs} ms`);
  add('isolation', '6 isolation: healthy latency', () => `p50 ${get('isolation').p50} / p99 ${get('isolation').p99} ms`, `p99 ${get('isolation').p99RatioToLatency} x scenario 3`);
  add('parked', '7 parked: worker process RSS', () => `${get('parked').workerRssParkedMb} MB`, `${get('parked').deliveries} parked`);
  add('parked', '7 parked: throughput beside', () => `${get('parked').endToEndPerSecond} deliveries/s`, `${get('parked').ratioToEndToEnd} x scenario 2`);
  add('workerStart', 'worker start, prebuilt bundle', () => `${get('workerStart').startServiceMs} ms`, `process ready after ${get('workerStart').processReadyMs} ms; target < 3000 ms`);
  add('workerStartFromSource', 'worker start, bundled from source', () => `${get('workerStartFromSource').startServiceMs} ms`);
  const cpuRow = (key: string, name: string, pick: (r: Record<string, unknown>) => unknown) => {
    const use = has(key) ? (pick(r[key] as Record<string, unknown>) as Record<string, number | null> | null | undefined) : undefined;
    if (use) rows.push([name, `temporal ${use.temporalServer ?? '-'} / worker ${use.workerProcess ?? '-'} / postgres ${use.postgres} / other ${use.otherProcesses} s`, `over ${use.wallSeconds} s wall; machine ${Math.round((use.machineUtilisation ?? 0) * 100)} % busy`]);
  };
  cpuRow('baseline', 'cpu: 1 baseline', (x) => x.cpuSeconds);
  cpuRow('endToEnd', 'cpu: 2 end-to-end', (x) => x.cpuSeconds);
  cpuRow('publishApi', 'cpu: 4 publish API', (x) => x.cpuSeconds);
  cpuRow('isolation', 'cpu: 6 isolation window', (x) => x.windowCpuSeconds);
  cpuRow('parked', 'cpu: 7 throughput beside parked', (x) => x.endToEndCpuSeconds);
  const e2e = get('endToEnd');
  if (has('endToEnd')) {
    rows.push(['2 per delivery', `${e2e.historyEventsPerDelivery} history events, ${e2e.serverCallsPerDelivery} server calls, ${e2e.dbQueriesPerDelivery} Postgres statements`, `${e2e.workflowTasksPerDelivery} workflow tasks polled (an eager start's first is not), ${e2e.activityTasksPerDelivery} activity tasks, ${e2e.localActivitiesPerDelivery} local activities`]);
  }
  for (const t of (r.targets ?? []) as Target[]) rows.push([`target: ${t.figure}`, `${t.measured} ${t.unit}`, `${t.target}: ${t.met ? 'met' : 'missed'}`]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  console.log('');
  for (const [name, value, note] of rows) console.log(`${name.padEnd(widths[0]!)}  ${value.padEnd(widths[1]!)}  ${note}`);
  console.log(`total ${String(r.totalSeconds)} s`);
}

main().then(
  (results) => {
    console.log(JSON.stringify(results));
    if (!args['json-only']) printTable(results);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
