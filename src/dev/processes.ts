/**
 * What the launcher needs to know about other processes on a Linux machine, read from /proc: whether
 * one is alive, what it runs, who listens on a port, and how to stop a process group.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface ProcessInfo {
  pid: number;
  /** argv as the process was started; empty when /proc cannot be read. */
  commandLine: string[];
}

/** A port the launcher needs is held by a process that is not one it started. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(
    readonly port: number,
    readonly role: string,
    readonly holder: ProcessInfo | undefined,
  ) {
    super(
      holder
        ? `port ${port} (${role}) is already in use by pid ${holder.pid}: ${holder.commandLine.join(' ') || '(command line not readable)'}. ` +
            'Stop that process or choose another port.'
        : `port ${port} (${role}) is already in use by a process that could not be identified ` +
            `(try \`ss -ltnp 'sport = :${port}'\`). Stop that process or choose another port.`,
    );
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid pgrp …; comm may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** True while `pid` runs (a zombie that only waits for its parent to reap it counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // Without /proc the signal's answer stands.
  return statFields(pid)?.[0] !== 'Z';
}

/** True when `pid` leads its own process group (it was started detached). */
export function leadsProcessGroup(pid: number): boolean {
  return statFields(pid)?.[2] === String(pid);
}

export function commandLineOf(pid: number): string[] {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return text === '' ? [] : text.replace(/\0$/, '').split('\0');
  } catch {
    return [];
  }
}

/** The file `pid` executes, or undefined when it cannot be read (another user's process, no /proc). */
export function executableOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    return undefined;
  }
}

/** Socket inodes listening on `port`, from /proc/net/tcp and tcp6 (state 0A is LISTEN). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      if (!local || fields[3] !== '0A') continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && fields[9] && fields[9] !== '0') inodes.add(fields[9]);
    }
  }
  return inodes;
}

/** The process listening on TCP `port`, found through /proc; undefined when none is found or /proc is not readable. */
export function findListener(port: number): ProcessInfo | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match?.[1] && inodes.has(match[1])) return { pid: Number(pid), commandLine: commandLineOf(Number(pid)) };
    }
  }
  return undefined;
}

/** Resolves when nothing listens on `host:port`; throws PortInUseError naming the holder otherwise. */
export async function assertPortFree(port: number, host: string, role: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  const inUse = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => (error.code === 'EADDRINUSE' ? resolve(true) : reject(error)));
    server.listen({ port, host, exclusive: true }, () => resolve(false));
  });
  if (!inUse) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return;
  }
  throw new PortInUseError(port, role, findListener(port));
}

/** Waits until `pid` is gone; false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // already gone
  }
}

/**
 * Stops `pid` and, when it leads a process group, the whole group: `gentle` first (SIGTERM unless told),
 * then SIGKILL once `timeoutMs` has passed. Resolves when `pid` has exited.
 */
export async function stopProcess(pid: number, options: { group: boolean; gentle?: NodeJS.Signals; timeoutMs?: number }): Promise<void> {
  const target = options.group ? -pid : pid;
  signal(target, options.gentle ?? 'SIGTERM');
  if (await waitForExit(pid, options.timeoutMs ?? 10_000)) return;
  signal(target, 'SIGKILL');
  await waitForExit(pid, 5_000);
}
