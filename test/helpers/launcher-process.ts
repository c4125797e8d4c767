/** Runs npm start's launcher, or another launcher script, as a process group of its own that a test can signal. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

export interface LauncherProcess {
  child: ChildProcess;
  pid: number;
  /** Everything it printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Resolves once its output contains `text`; rejects when it exits first or after `timeoutMs`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Sends `signal` to its whole process group. */
  killGroup(signal: NodeJS.Signals): void;
}

/**
 * Runs `npm start`'s launcher (src/dev/start.ts, or another script such as scripts/temporal-cluster.ts)
 * as npm would, with node and tsx's loader, so that a signal sent to its pid reaches the launcher
 * itself. It leads a process group of its own, so a test can end it and everything it started in that
 * group at once; the Temporal servers are in groups of their own and outlive a SIGKILL of the
 * launcher, as they do in a terminal.
 */
export function spawnLauncher(env: Record<string, string>, entryPoint = 'src/dev/start.ts'): LauncherProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entryPoint], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error('the launcher did not start');
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const waiter of waiters.filter((w) => output.includes(w.text))) waiter.resolve();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const pid = child.pid;
  return {
    child,
    pid,
    exited,
    output: () => output,
    killGroup(signal) {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    },
    waitForOutput(text, timeoutMs = 90_000) {
      if (output.includes(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the launcher did not print "${text}" in ${timeoutMs} ms; output:\n${output.slice(-3000)}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`the launcher exited (${code}) before printing "${text}"; output:\n${output.slice(-3000)}`));
        });
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}
