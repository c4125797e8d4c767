/**
 * The launcher's note of the Temporal dev server it started (.data/temporal.pid), so that a later start
 * recognises a server left running when the launcher was killed without a chance to stop it.
 */
import { readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { commandLineOf, executableOf, isAlive, leadsProcessGroup, stopProcess } from './processes';

export interface DevServerRecord {
  pid: number;
  /** The executable the server runs. */
  binary: string;
  dbFilename: string;
  port: number;
  uiPort: number;
  startedAt: string;
}

export function writeDevServerRecord(file: string, record: DevServerRecord): void {
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
}

export function removeDevServerRecord(file: string): void {
  rmSync(file, { force: true });
}

/** The record in `file`; undefined when there is none or it is not one (a hand-edited or truncated file). */
export function readDevServerRecord(file: string): DevServerRecord | undefined {
  let parsed: Partial<DevServerRecord>;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<DevServerRecord>;
  } catch {
    return undefined;
  }
  const { pid, binary, dbFilename, port, uiPort, startedAt } = parsed;
  if (!Number.isInteger(pid) || (pid as number) <= 0 || typeof binary !== 'string' || typeof dbFilename !== 'string') return undefined;
  return { pid: pid as number, binary, dbFilename, port: Number(port), uiPort: Number(uiPort), startedAt: String(startedAt) };
}

function sameFile(a: string, b: string): boolean {
  const real = (file: string) => {
    try {
      return realpathSync(file);
    } catch {
      return path.resolve(file);
    }
  };
  return real(a) === real(b);
}

/**
 * True when the recorded process still runs and is that server: the same executable, started on the
 * same database file. A pid reused by anything else since then does not pass.
 */
export function isRecordedServerRunning(record: DevServerRecord, dbFilename: string): boolean {
  if (!sameFile(record.dbFilename, dbFilename) || !isAlive(record.pid)) return false;
  const commandLine = commandLineOf(record.pid);
  const executable = executableOf(record.pid);
  const sameBinary = (executable !== undefined && sameFile(executable, record.binary)) || commandLine[0] === record.binary;
  const dbAt = commandLine.indexOf('--db-filename');
  const sameDatabase =
    (dbAt >= 0 && sameFile(commandLine[dbAt + 1] ?? '', dbFilename)) ||
    commandLine.some((arg) => arg.startsWith('--db-filename=') && sameFile(arg.slice('--db-filename='.length), dbFilename));
  return sameBinary && sameDatabase;
}

/**
 * Stops the dev server an earlier start left running on `dbFilename` (its whole process group, SIGTERM
 * then SIGKILL after a timeout) and returns its pid; undefined when there was none. The record is
 * removed either way, since it no longer describes a running server.
 */
export async function stopLeftoverDevServer(file: string, dbFilename: string): Promise<number | undefined> {
  const record = readDevServerRecord(file);
  const leftover = record && isRecordedServerRunning(record, dbFilename) ? record.pid : undefined;
  if (leftover !== undefined) await stopProcess(leftover, { group: leadsProcessGroup(leftover) });
  removeDevServerRecord(file);
  return leftover;
}
