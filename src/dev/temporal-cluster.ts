/**
 * A multi-process Temporal cluster on this machine: the server's frontend, history, matching and worker
 * services each in a process of its own, on Postgres (persistence and visibility), as they would run
 * on separate machines. `npm run temporal:cluster` (scripts/temporal-cluster.ts) runs one; the cluster
 * tests start their own through `startTemporalCluster`.
 *
 * Everything here is idempotent: binaries are built once into .tools/bin, databases and schemas are
 * created when missing and brought up to date on every start, the namespace and search attributes
 * are registered when missing, and processes left running by a cluster that was killed are stopped.
 */
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/temporal';
import { ensureSearchAttributes } from '../worker/search-attributes';
import { ensureDatabase } from './postgres';
import { assertPortFree, commandLineOf, isAlive, stopProcess } from './processes';
import { startTcpBalancer, type TcpBalancer } from './tcp-balancer';
import { isExecutable, PROJECT_ROOT } from './temporal-cli';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
export const SERVER_MODULE = 'go.temporal.io/server';
/** Binary names as `go install` writes them: the last element of each package path. */
export const SERVER_BINARY = 'server';
export const SQL_TOOL_BINARY = 'sql';

export const CLUSTER_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type ClusterService = (typeof CLUSTER_SERVICES)[number];
/** One process of the cluster: `frontend`, `frontend-2`… when there are several frontends, and one of each other service. */
export type ClusterProcess = ClusterService | `frontend-${number}`;

export const roleOf = (name: ClusterProcess): ClusterService => (name.startsWith('frontend') ? 'frontend' : (name as ClusterService));

/** The processes of a cluster with `frontends` frontends, in stop order: callers go away first. */
export function clusterProcesses(frontends: number): ClusterProcess[] {
  const extra = Array.from({ length: frontends - 1 }, (_, i): ClusterProcess => `frontend-${i + 2}`);
  return ['frontend', ...extra, 'history', 'matching', 'worker'];
}

const TEMPLATE = path.join(__dirname, 'temporal-cluster.template.yaml');
const DYNAMIC_CONFIG = path.join(__dirname, 'temporal-cluster.dynamicconfig.yaml');
/** The dynamic config above with fairness off, written into the config dir when `fairness` is false. */
const UNFAIR_DYNAMIC_CONFIG = 'dynamicconfig-without-fairness.yaml';
const FAIRNESS_ON = /^matching\.enableFairness:\n {2}- value: true$/m;

/** temporal-cluster.dynamicconfig.yaml with `matching.enableFairness` false; fails if the file no longer says it as expected. */
export function dynamicConfigWithoutFairness(text: string): string {
  if (!FAIRNESS_ON.test(text)) throw new Error('temporal-cluster.dynamicconfig.yaml no longer turns matching.enableFairness on as expected');
  return text.replace(FAIRNESS_ON, 'matching.enableFairness:\n  - value: false');
}
/** The server reads `<config dir>/<env>.yaml`. */
const CONFIG_ENV = 'cluster';

/** gRPC health-check names of the services that report one (the worker service serves no gRPC). */
const HEALTH_SERVICE: Partial<Record<ClusterService, string>> = {
  frontend: 'temporal.api.workflowservice.v1.WorkflowService',
  history: 'temporal.api.workflowservice.v1.HistoryService',
  matching: 'temporal.api.workflowservice.v1.MatchingService',
};

export interface ServicePorts {
  grpc: number;
  membership: number;
  http?: number;
}

export interface ClusterLayout {
  processes: ClusterProcess[];
  ports: Record<ClusterProcess, ServicePorts>;
  /** The load balancer in front of the frontends, when there are several. */
  balancerPort: number | undefined;
  /** Consecutive ports taken from the base port on. */
  portCount: number;
}

/**
 * Ports from `base` on: frontend gRPC, HTTP, membership; gRPC and membership of history, matching and
 * worker (nine in all); then three for each further frontend and one for the balancer in front of them.
 */
export function clusterLayout(base: number, frontends = 1): ClusterLayout {
  const ports: Record<string, ServicePorts> = {
    frontend: { grpc: base, http: base + 1, membership: base + 2 },
    history: { grpc: base + 3, membership: base + 4 },
    matching: { grpc: base + 5, membership: base + 6 },
    worker: { grpc: base + 7, membership: base + 8 },
  };
  for (let n = 2; n <= frontends; n++) {
    const first = base + 9 + 3 * (n - 2);
    ports[`frontend-${n}`] = { grpc: first, http: first + 1, membership: first + 2 };
  }
  const balancerPort = frontends > 1 ? base + 9 + 3 * (frontends - 1) : undefined;
  return { processes: clusterProcesses(frontends), ports, balancerPort, portCount: 9 + 3 * (frontends - 1) + (frontends > 1 ? 1 : 0) };
}

export interface ClusterOptions {
  /** A Postgres server to create the two databases on; only its host, port, user and password are used. */
  postgresUrl: string;
  database: string;
  visibilityDatabase: string;
  /** First of the consecutive ports the cluster takes (see `clusterLayout`); the first frontend's gRPC port. */
  basePort: number;
  /** Frontend processes; with more than one, a TCP load balancer in front of them is the cluster's address. */
  frontends: number;
  /** Rendered config and one log file per service. */
  dataDir: string;
  /** Where `server` and `sql` are, or are built into. */
  binDir: string;
  namespace: string;
  retentionDays: number;
  /** Fixed when the schema is first created. */
  historyShards: number;
  /** Connections per process to the persistence database (visibility gets two). */
  maxConns: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Task queue fairness, `matching.enableFairness` of temporal-cluster.dynamicconfig.yaml (on there). The
   * benchmark sets it from TEMPORAL_FAIRNESS on its databases of a run's own; a cluster database that holds
   * queued tasks keeps what it was created with (docs/operations.md, "Task queue fairness").
   */
  fairness?: boolean;
  log: (line: string) => void;
}

export const CLUSTER_DEFAULTS = {
  database: 'temporal_cluster',
  visibilityDatabase: 'temporal_cluster_visibility',
  basePort: 7233,
  frontends: 1,
  dataDir: path.join(PROJECT_ROOT, '.data', 'cluster'),
  binDir: path.join(PROJECT_ROOT, '.tools', 'bin'),
  namespace: 'default',
  retentionDays: 3,
  historyShards: 4,
  maxConns: 5,
  logLevel: 'info',
} as const satisfies Partial<ClusterOptions>;

const VISIBILITY_MAX_CONNS = 2;
const READY_TIMEOUT_MS = 120_000;

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Runs a command to completion; its output goes to `log` line by line. Rejects with its last lines on failure. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      if (options.log) for (const line of text.split('\n').filter(Boolean)) options.log(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${code ?? signal}):\n${output.split('\n').slice(-20).join('\n')}`));
    });
  });
}

export interface ClusterBinaries {
  server: string;
  sql: string;
}

/**
 * The Temporal server and its SQL schema tool in `binDir`, built with `go install` when either is
 * missing (about 3 minutes on 2 cores the first time, nothing afterwards).
 */
export async function ensureClusterBinaries(binDir: string, log: (line: string) => void): Promise<ClusterBinaries> {
  const binaries = { server: path.join(binDir, SERVER_BINARY), sql: path.join(binDir, SQL_TOOL_BINARY) };
  if (isExecutable(binaries.server) && isExecutable(binaries.sql)) return binaries;
  if (!hasGo()) {
    throw new Error(
      `the Temporal server ${TEMPORAL_SERVER_VERSION} is not in ${binDir} and Go is not installed to build it. ` +
        'Install Go (https://go.dev/dl) and run again, or put the `server` and `sql` binaries of ' +
        `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION} (cmd/server, cmd/tools/sql) into ${binDir}.`,
    );
  }
  mkdirSync(binDir, { recursive: true });
  log(`building the Temporal server ${TEMPORAL_SERVER_VERSION} with Go into ${binDir} (first time only, a few minutes)`);
  const began = Date.now();
  await run(
    'go',
    ['install', `${SERVER_MODULE}/cmd/server@${TEMPORAL_SERVER_VERSION}`, `${SERVER_MODULE}/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
    { env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' } },
  );
  log(`built the Temporal server in ${((Date.now() - began) / 1000).toFixed(0)} s`);
  return binaries;
}

/** The server module's source in Go's module cache (its SQL schemas live there), downloaded when missing. */
export async function serverModuleDir(): Promise<string> {
  if (!hasGo()) {
    throw new Error(`the Temporal schema files come from Go's module cache (${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}): install Go (https://go.dev/dl)`);
  }
  const output = await run('go', ['mod', 'download', '-json', `${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`]);
  const dir = (JSON.parse(output) as { Dir?: string }).Dir;
  if (!dir || !existsSync(dir)) throw new Error(`go mod download did not give the source of ${SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`);
  return dir;
}

interface PostgresAddress {
  host: string;
  port: number;
  user: string;
  password: string;
}

function postgresAddress(url: string): PostgresAddress {
  const parsed = new URL(url);
  return {
    host: parsed.hostname === 'localhost' ? '127.0.0.1' : parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
  };
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function hasSchema(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string | null }>(`SELECT to_regclass('public.schema_version')::text AS table`);
    return rows[0]?.table != null;
  } finally {
    await client.end();
  }
}

/**
 * Creates the persistence and visibility databases when missing, sets up a schema where there is none
 * (with `historyShards` fixed from then on), and applies every newer schema version on each call.
 */
export async function ensureClusterSchemas(
  options: Pick<ClusterOptions, 'postgresUrl' | 'database' | 'visibilityDatabase' | 'log'>,
  sqlTool: string,
): Promise<void> {
  const moduleDir = await serverModuleDir();
  const address = postgresAddress(options.postgresUrl);
  const stores = [
    { database: options.database, schema: 'temporal' },
    { database: options.visibilityDatabase, schema: 'visibility' },
  ];
  for (const { database, schema } of stores) {
    await ensureDatabase(options.postgresUrl, database);
    const args = ['--plugin', 'postgres12', '--endpoint', address.host, '--port', String(address.port), '--user', address.user, '--database', database];
    // The password goes through the environment, not the command line that `ps` shows.
    const env = { ...process.env, SQL_PASSWORD: address.password };
    if (!(await hasSchema(databaseUrl(options.postgresUrl, database)))) {
      options.log(`setting up the ${schema} schema in ${database}`);
      await run(sqlTool, [...args, 'setup-schema', '-v', '0.0'], { env });
    }
    await run(sqlTool, [...args, 'update-schema', '-d', path.join(moduleDir, 'schema', 'postgresql', 'v12', schema, 'versioned')], { env });
  }
}

/** Quotes a value for a double-quoted YAML scalar. */
const yamlString = (value: string): string => value.replaceAll('\\', '\\\\').replaceAll('"', '\\"');

/** The server's config: the template with every ${NAME} replaced; throws on a name it has no value for. */
export function renderClusterConfig(
  options: Pick<ClusterOptions, 'postgresUrl' | 'database' | 'visibilityDatabase' | 'basePort' | 'historyShards' | 'maxConns' | 'logLevel' | 'fairness' | 'dataDir'>,
  frontend: ClusterProcess = 'frontend',
  template = readFileSync(TEMPLATE, 'utf8'),
): string {
  const address = postgresAddress(options.postgresUrl);
  const { ports: all } = clusterLayout(options.basePort, frontend === 'frontend' ? 1 : Number(frontend.slice('frontend-'.length)));
  // Each frontend's file differs only in its own ports; the cluster's metadata names the first one.
  const ports = { ...all, frontend: all[frontend] };
  const firstFrontend = all.frontend;
  const values: Record<string, string> = {
    LOG_LEVEL: options.logLevel,
    HISTORY_SHARDS: String(options.historyShards),
    DATABASE: yamlString(options.database),
    VISIBILITY_DATABASE: yamlString(options.visibilityDatabase),
    PG_HOST: yamlString(address.host),
    PG_PORT: String(address.port),
    PG_USER: yamlString(address.user),
    PG_PASSWORD: yamlString(address.password),
    MAX_CONNS: String(options.maxConns),
    VISIBILITY_MAX_CONNS: String(VISIBILITY_MAX_CONNS),
    FRONTEND_PORT: String(ports.frontend.grpc),
    CLUSTER_RPC_PORT: String(firstFrontend.grpc),
    FRONTEND_HTTP_PORT: String(ports.frontend.http),
    FRONTEND_MEMBERSHIP_PORT: String(ports.frontend.membership),
    HISTORY_PORT: String(ports.history.grpc),
    HISTORY_MEMBERSHIP_PORT: String(ports.history.membership),
    MATCHING_PORT: String(ports.matching.grpc),
    MATCHING_MEMBERSHIP_PORT: String(ports.matching.membership),
    WORKER_PORT: String(ports.worker.grpc),
    WORKER_MEMBERSHIP_PORT: String(ports.worker.membership),
    DYNAMIC_CONFIG_FILE: yamlString(options.fairness === false ? path.join(path.resolve(options.dataDir), 'config', UNFAIR_DYNAMIC_CONFIG) : DYNAMIC_CONFIG),
  };
  return template.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the cluster config template names \${${name}}, which has no value`);
    return value;
  });
}

/** Pids of server processes started on `dataDir` (by this cluster or one that was killed). */
export function findClusterProcesses(dataDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const commandLine = commandLineOf(Number(name));
    const at = commandLine.indexOf('--root');
    if (at >= 0 && commandLine[at + 1] === dataDir && commandLine.includes('start') && isAlive(Number(name))) pids.push(Number(name));
  }
  return pids;
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** True when the service's gRPC health check answers SERVING. */
async function isServing(port: number, service: string): Promise<boolean> {
  const connection = Connection.lazy({ address: `127.0.0.1:${port}`, connectTimeout: 2_000 });
  try {
    const { status } = await connection.withDeadline(Date.now() + 2_000, () => connection.healthService.check({ service }));
    return status === 1; // SERVING
  } catch {
    return false;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number, abort?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = abort?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export interface ServiceUsage {
  pid: number | undefined;
  rssMb: number | undefined;
  /** CPU time (user + system) since the process started. */
  cpuSeconds: number | undefined;
}

export interface ClusterUsage {
  processes: Partial<Record<ClusterProcess, ServiceUsage>>;
  /** Connections the cluster holds to its two databases. */
  postgresConnections: number;
}

const CLOCK_TICKS = 100;

function processUsage(pid: number | undefined): ServiceUsage {
  if (pid === undefined || !isAlive(pid)) return { pid: undefined, rssMb: undefined, cpuSeconds: undefined };
  try {
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat; `fields` starts at field 3.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, rssMb: rss ? Math.round(Number(rss) / 1024) : undefined, cpuSeconds: ticks / CLOCK_TICKS };
  } catch {
    return { pid, rssMb: undefined, cpuSeconds: undefined };
  }
}

export interface TemporalCluster {
  /** The host:port for TEMPORAL_ADDRESS: the frontend, or the balancer in front of several. */
  address: string;
  namespace: string;
  processes: ClusterProcess[];
  ports: Record<ClusterProcess, ServicePorts>;
  logDir: string;
  /** Pid of the process while it runs; undefined while it is stopped. */
  pid(name: ClusterProcess): number | undefined;
  /** Starts a stopped process again and resolves once it serves. */
  start(name: ClusterProcess): Promise<void>;
  /** Sends `signal` to the process and resolves once it has exited. */
  kill(name: ClusterProcess, signal?: NodeJS.Signals): Promise<void>;
  usage(): Promise<ClusterUsage>;
  /** Resolves with the first process to exit on its own, and how. */
  crashed: Promise<{ name: ClusterProcess; code: number | string }>;
  /** Stops every process (SIGTERM, SIGKILL after a grace period), then the balancer. */
  stop(): Promise<void>;
}

/**
 * Builds what is missing, prepares the databases and config, starts the services and resolves once
 * the namespace exists with the service's search attributes, ready for workers and clients.
 */
export async function startTemporalCluster(options: ClusterOptions): Promise<TemporalCluster> {
  const { log } = options;
  const binaries = await ensureClusterBinaries(options.binDir, log);
  const dataDir = path.resolve(options.dataDir);
  const configDir = path.join(dataDir, 'config');
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(configDir, { recursive: true });
  mkdirSync(logDir, { recursive: true });

  const leftovers = findClusterProcesses(dataDir);
  for (const pid of leftovers) await stopProcess(pid, { group: false, timeoutMs: 15_000 });
  if (leftovers.length) log(`stopped ${leftovers.length} cluster process(es) left running by an earlier start: ${leftovers.join(', ')}`);

  const { processes, ports, balancerPort } = clusterLayout(options.basePort, options.frontends);
  for (const name of processes) {
    for (const [kind, port] of Object.entries(ports[name])) await assertPortFree(port as number, '127.0.0.1', `Temporal ${name} ${kind}`);
  }
  if (balancerPort !== undefined) await assertPortFree(balancerPort, '127.0.0.1', 'Temporal frontend balancer');

  await ensureClusterSchemas(options, binaries.sql);
  /** The server reads `<config dir>/<env>.yaml`: one file per frontend, which differ only in its ports. */
  const envOf = (name: ClusterProcess) => (roleOf(name) === 'frontend' && name !== 'frontend' ? `${CONFIG_ENV}-${name}` : CONFIG_ENV);
  if (options.fairness === false) {
    writeFileSync(path.join(configDir, UNFAIR_DYNAMIC_CONFIG), dynamicConfigWithoutFairness(readFileSync(DYNAMIC_CONFIG, 'utf8')));
  }
  for (const name of processes.filter((process) => roleOf(process) === 'frontend')) {
    writeFileSync(path.join(configDir, `${envOf(name)}.yaml`), renderClusterConfig(options, name), { mode: 0o600 });
  }

  const children = new Map<ClusterProcess, ChildProcess>();
  let stopping = false;
  let reportCrash: (crash: { name: ClusterProcess; code: number | string }) => void = () => undefined;
  const crashed = new Promise<{ name: ClusterProcess; code: number | string }>((resolve) => {
    reportCrash = resolve;
  });
  /** Processes stopped on purpose by `kill`, whose exit is not a crash. */
  const expectedExits = new Set<ClusterProcess>();
  const running = (name: ClusterProcess) => {
    const child = children.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };

  const killAll = () => {
    for (const child of children.values()) {
      try {
        if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  // Whatever way this process ends, the cluster does not outlive it.
  process.on('exit', killAll);

  const spawnProcess = (name: ClusterProcess) => {
    const logFile = openSync(path.join(logDir, `${name}.log`), 'a');
    // Detached: Ctrl-C in a terminal reaches the launcher, which stops the processes in order.
    const child = spawn(
      binaries.server,
      ['--root', dataDir, '--config', 'config', '--env', envOf(name), '--allow-no-auth', 'start', '--service', roleOf(name)],
      { detached: true, stdio: ['ignore', logFile, logFile] },
    );
    closeSync(logFile);
    children.set(name, child);
    child.once('exit', (code, signal) => {
      if (!stopping && !expectedExits.delete(name)) reportCrash({ name, code: code ?? signal ?? 'unknown' });
    });
  };

  const exitReason = (name: ClusterProcess) => {
    if (running(name)) return undefined;
    const child = children.get(name);
    const logFile = path.join(logDir, `${name}.log`);
    const tail = readFileSync(logFile, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-10)
      .map((line) => (line.length > 400 ? `${line.slice(0, 400)}…` : line))
      .join('\n');
    return `the ${name} process exited (${child?.exitCode ?? child?.signalCode}); last lines of ${logFile}:\n${tail}`;
  };

  const waitServing = async (name: ClusterProcess) => {
    const health = HEALTH_SERVICE[roleOf(name)];
    const port = ports[name];
    await until(
      `the ${name} process to serve`,
      async () => (health ? isServing(port.grpc, health) : portAnswers(port.membership)),
      READY_TIMEOUT_MS,
      () => exitReason(name),
    );
  };

  const stopProcessNamed = async (name: ClusterProcess, signal: NodeJS.Signals) => {
    const child = children.get(name);
    if (!child?.pid || !running(name)) return;
    const pid = child.pid;
    // Resolved by Node's own 'exit' event, after which the child's exit code or signal is set.
    const exited = new Promise<boolean>((resolve) => child.once('exit', () => resolve(true)));
    const within = (ms: number) => Promise.race([exited, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
    const signalGroup = (name: NodeJS.Signals) => {
      try {
        process.kill(-pid, name);
      } catch {
        // gone meanwhile
      }
    };
    signalGroup(signal);
    if (signal !== 'SIGKILL' && !(await within(20_000))) signalGroup('SIGKILL');
    await within(10_000);
  };

  let balancer: TcpBalancer | undefined;
  const stop = async () => {
    stopping = true;
    for (const name of processes) await stopProcessNamed(name, 'SIGTERM');
    await balancer?.close();
    process.off('exit', killAll);
  };

  let address = `127.0.0.1:${ports.frontend.grpc}`;
  try {
    // The first process writes the cluster's metadata into a fresh database; processes started together
    // would race to insert it, and all but one exit. Once history listens, that record exists.
    spawnProcess('history');
    await until('the history process to listen', () => portAnswers(ports.history.grpc), READY_TIMEOUT_MS, () => exitReason('history'));
    for (const name of processes) if (name !== 'history') spawnProcess(name);
    await Promise.all(processes.map((name) => waitServing(name)));
    if (balancerPort !== undefined) {
      const frontendPorts = processes.filter((name) => roleOf(name) === 'frontend').map((name) => ports[name].grpc);
      balancer = await startTcpBalancer(balancerPort, frontendPorts);
      address = `127.0.0.1:${balancerPort}`;
    }
    await prepareNamespace(address, options.namespace, options.retentionDays, log);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    address,
    namespace: options.namespace,
    processes,
    ports,
    logDir,
    crashed,
    pid: (name) => (running(name) ? children.get(name)?.pid : undefined),
    async start(name) {
      if (running(name)) throw new Error(`the ${name} process is running`);
      spawnProcess(name);
      await waitServing(name);
    },
    async kill(name, signal = 'SIGKILL') {
      expectedExits.add(name);
      await stopProcessNamed(name, signal);
    },
    async usage() {
      const usage = Object.fromEntries(processes.map((name) => [name, processUsage(running(name) ? children.get(name)?.pid : undefined)]));
      const client = new pg.Client({ connectionString: options.postgresUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM pg_stat_activity WHERE datname = ANY($1)', [
          [options.database, options.visibilityDatabase],
        ]);
        return { processes: usage, postgresConnections: Number(rows[0]?.count ?? 0) };
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

const GRPC_ALREADY_EXISTS = 6;

/**
 * Registers the namespace (with its retention) when it is missing and the service's search attributes
 * in it, then waits until the frontend accepts a visibility query naming every one of them.
 */
export async function prepareNamespace(address: string, namespace: string, retentionDays: number, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 10_000 });
  try {
    const call = <T>(fn: () => Promise<T>) => connection.withDeadline(Date.now() + 10_000, fn);
    await until(
      `namespace ${namespace} to be registered`,
      async () => {
        try {
          await call(() =>
            connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays}d`) }),
          );
          log(`registered namespace ${namespace} (retention ${retentionDays} days)`);
        } catch (error) {
          if ((error as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw error;
        }
        return true;
      },
      READY_TIMEOUT_MS,
    );
    await until(
      'the search attributes to be registered',
      async () => {
        const added = await call(() => ensureSearchAttributes(connection, namespace));
        if (added.length) log(`registered search attributes ${added.join(', ')}`);
        return true;
      },
      READY_TIMEOUT_MS,
    );
    const query = ALL_SEARCH_ATTRIBUTES.map((key) => `${key.name} = "ready"`).join(' AND ');
    await until(
      'the frontend to know the search attributes',
      async () => {
        await call(() => connection.workflowService.countWorkflowExecutions({ namespace, query }));
        return true;
      },
      READY_TIMEOUT_MS,
    );
  } finally {
    await connection.close();
  }
}
