/** npm start's embedded Postgres: one left running by a killed start is stopped, and a stale postmaster.pid is not taken for a Postgres. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { canConnect, findLeftoverPostgres } from '../src/dev/postgres';
import { commandLineOf } from '../src/dev/processes';
import { freePort } from '../src/dev/free-port';
import { processesWith } from './helpers/processes';
import { eventually } from './helpers/scenario';

const root = path.resolve(__dirname, '..');
let dir: string;
const children: ChildProcess[] = [];

/**
 * What `npm start` does with the embedded Postgres, in a process of its own (the package is ESM-only,
 * which jest's module sandbox cannot import) that a test can SIGKILL, or stop with SIGTERM as Ctrl-C would.
 */
const LAUNCHER = `
const { startEmbeddedPostgres } = require('./src/dev/postgres');
startEmbeddedPostgres({ databaseDir: process.argv[1], port: Number(process.argv[2]), log: console.log }).then((database) => {
  console.log('embedded postgres ready at ' + database.url);
  process.on('SIGTERM', () => void database.stop().then(() => process.exit(0)));
});
`;

function startLauncher(databaseDir: string, port: number): { child: ChildProcess; output(): string; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', LAUNCHER, databaseDir, String(port)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return { child, output: () => output, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tw-embedded-pg-'));
  // Run as root, the embedded server drops to the postgres user, which must reach its directory.
  await chmod(dir, 0o755);
});

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await eventually(async () => children.every((child) => child.exitCode !== null || child.signalCode !== null), 30_000, 'the launchers to stop');
  for (const pid of processesWith('-D', path.join(dir, 'pg'))) process.kill(pid, 'SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

function postmasterPid(databaseDir: string): number {
  return Number(readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

test('the embedded Postgres left running by a killed start is stopped, and the next start runs its own', async () => {
  const databaseDir = path.join(dir, 'pg');
  const port = await freePort();
  const first = startLauncher(databaseDir, port);
  await eventually(async () => first.output().includes('embedded postgres ready'), 60_000, 'the embedded Postgres to start');

  first.child.kill('SIGKILL');
  await first.exited;
  const orphan = postmasterPid(databaseDir);
  expect(processesWith('-D', databaseDir)).toEqual([orphan]);
  expect(findLeftoverPostgres(databaseDir)).toEqual({ pid: orphan, isPostgres: true });

  const second = startLauncher(databaseDir, port);
  await eventually(async () => second.output().includes('embedded postgres ready'), 60_000, 'the embedded Postgres to start again');
  expect(second.output()).toContain(`stopped the embedded Postgres left running by an earlier start (pid ${orphan})`);
  const current = postmasterPid(databaseDir);
  expect(current).not.toBe(orphan);
  expect(processesWith('-D', databaseDir)).toEqual([current]);
  const url = /embedded postgres ready at (\S+)/.exec(second.output())?.[1] ?? '';
  expect(await canConnect(url)).toBe(true);
});

test('a postmaster.pid whose pid now runs another program is not taken for a Postgres', async () => {
  const databaseDir = path.join(dir, 'recycled');
  await mkdir(databaseDir);
  const other = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 60_000)', '-D', databaseDir], { stdio: 'ignore' });
  children.push(other);
  // Until the child has exec'd, /proc shows no command line for it (or its parent's).
  await eventually(async () => commandLineOf(other.pid ?? 0).includes(databaseDir), 10_000, 'the other program to start');
  writeFileSync(path.join(databaseDir, 'postmaster.pid'), `${other.pid}\n${databaseDir}\n`);

  expect(findLeftoverPostgres(databaseDir)).toEqual({ pid: other.pid, isPostgres: false });
  other.kill('SIGKILL');
  await new Promise((resolve) => other.once('exit', resolve));
  expect(findLeftoverPostgres(databaseDir)).toBeUndefined();
});
