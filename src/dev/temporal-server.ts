/** Runs the Temporal dev server (`temporal server start-dev`) for `npm start`. */
import { Connection } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import type { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKey } from '@temporalio/common/lib/search-attributes';
import { executableOf, findListener, PortInUseError } from './processes';

export interface DevServerOptions {
  /** Path of the Temporal CLI; undefined lets the SDK download one. */
  cli: string | undefined;
  port: number;
  uiPort: number;
  dbFilename: string;
  namespace: string;
  searchAttributes: readonly SearchAttributeKey<SearchAttributeType>[];
  /** Dynamic config of the server (devServerSettingsArgs): task queue fairness, eager activities. */
  settings: DevServerSettings;
  log: (line: string) => void;
}

/** Server-side levers of a dev server, from TEMPORAL_FAIRNESS and TEMPORAL_EAGER_ACTIVITIES. */
export interface DevServerSettings {
  fairness: boolean;
  eagerActivities: boolean;
}

export interface DevServer {
  address: string;
  /** The server's process, when it could be found. */
  pid: number | undefined;
  /** The executable the server runs. */
  binary: string | undefined;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** SQLite tuned for a local dev server: write-ahead log, no fsync per commit. */
const SQLITE_PRAGMAS = ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=off'];

/**
 * The dev server's dynamic config for these settings, as arguments of `temporal server start-dev`. Both are
 * off in a Temporal server by default. Fairness on a task queue that already holds a backlog moves the
 * queue to a new backlog without its tasks (docs/operations.md), so the callers turn it on for new
 * databases only.
 */
export function devServerSettingsArgs(settings: DevServerSettings): string[] {
  return [
    ...(settings.fairness ? ['--dynamic-config-value', 'matching.enableFairness=true'] : []),
    ...(settings.eagerActivities ? ['--dynamic-config-value', 'system.enableActivityEagerExecution=true'] : []),
  ];
}

const TYPE_NAMES: Record<string, string> = { KEYWORD: 'Keyword', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };

async function waitUntilServing(port: number, child: ChildProcess): Promise<void> {
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the Temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      // A server that answers is only this one if this one holds the port.
      const holder = findListener(port);
      if (holder && holder.pid !== child.pid) throw new PortInUseError(port, 'Temporal dev server', holder);
      return;
    } catch (error) {
      if (error instanceof PortInUseError) throw error;
      if (Date.now() > deadline) throw new Error(`the Temporal dev server did not answer at ${address}: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/**
 * Runs `temporal server start-dev` in a process group of its own, so that Ctrl-C in the terminal reaches
 * the launcher first and the server is stopped last, after the worker has drained.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  if (!options.cli) return startDownloadedDevServer(options);
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(options.port),
    '--ui-port', String(options.uiPort),
    '--namespace', options.namespace,
    '--db-filename', options.dbFilename,
    '--log-level', 'error',
    ...options.searchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${TYPE_NAMES[key.type] ?? key.type}`]),
    ...SQLITE_PRAGMAS,
    ...devServerSettingsArgs(options.settings),
  ];
  const child = spawn(options.cli, args, { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // Whatever way this process ends, the server does not outlive it.
  process.once('exit', () => killGroup('SIGKILL'));
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitUntilServing(options.port, child);
  } catch (error) {
    killGroup('SIGKILL');
    throw error;
  }
  return {
    address,
    pid: child.pid,
    binary: options.cli,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup('SIGTERM');
      const timer = setTimeout(() => killGroup('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** No CLI installed: the SDK downloads its own build of the CLI (needs internet access). */
async function startDownloadedDevServer(options: DevServerOptions): Promise<DevServer> {
  options.log('no Temporal CLI installed: the SDK downloads one');
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      port: options.port,
      ui: true,
      uiPort: options.uiPort,
      namespace: options.namespace,
      dbFilename: options.dbFilename,
      searchAttributes: [...options.searchAttributes],
      extraArgs: [...SQLITE_PRAGMAS, ...devServerSettingsArgs(options.settings)],
    },
  });
  const pid = findListener(options.port)?.pid;
  return { address: env.address, pid, binary: pid === undefined ? undefined : executableOf(pid), stop: () => env.teardown() };
}
