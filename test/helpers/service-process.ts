/** Runs the API or the worker as a process of its own, as `npm run api` and `npm run worker` do, and reads its log lines. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { scaled } from '../setup/test-env';

const root = path.resolve(__dirname, '..', '..');
const ENTRY_POINTS = { api: 'src/api/server.ts', worker: 'src/worker/main.ts' } as const;

export interface ServiceProcess {
  child: ChildProcess;
  /** The log lines (JSON) written so far. */
  logs(): readonly Record<string, unknown>[];
  /** Resolves with the first log line whose `msg` matches. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs an entry point of the service as its own process, exactly as `npm run api` / `npm run worker`
 * would (with tsx's loader instead of the compiled output), with only the given environment.
 */
export function spawnService(role: keyof typeof ENTRY_POINTS, env: Record<string, string>): ServiceProcess {
  // Node itself with tsx's loader (not the tsx launcher, which would put a process in between), so
  // a signal reaches the service and nothing else.
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY_POINTS[role]], {
    cwd: root,
    // Info level: the test waits for the process's own log lines.
    env: { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const waiters: { msg: string; resolve: (line: Record<string, unknown>) => void }[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const complete = buffered.split('\n');
    buffered = complete.pop() ?? '';
    for (const text of complete) {
      if (!text.startsWith('{')) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.push(line);
      for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    child,
    exited,
    kill: (signal) => child.kill(signal),
    logs: () => lines,
    waitForLog(msg, waitMs = 30_000) {
      const timeoutMs = scaled(waitMs);
      const seen = lines.find((line) => line.msg === msg);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${role} did not log "${msg}" in ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        void exited.then((code) => reject(new Error(`${role} exited (${code}) before logging "${msg}"; stderr: ${stderr.slice(-2000)}`)));
        waiters.push({
          msg,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
  };
}
