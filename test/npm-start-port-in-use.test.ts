/** npm start exits with an error naming the port and the process when another program holds the Temporal port. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv } from './setup/test-env';
import { useDatabase } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type LauncherProcess, spawnLauncher } from './helpers/launcher-process';
import { processesWith } from './helpers/processes';

let dataDir: string;
let holder: Server;
let launcher: LauncherProcess | undefined;

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  launcher?.killGroup('SIGKILL');
  // Only if the test failed: a dev server it should not have started, in a group of its own.
  for (const pid of processesWith('--db-filename', path.join(dataDir, 'temporal.db'))) process.kill(-pid, 'SIGKILL');
  await launcher?.exited;
  await new Promise((resolve) => holder?.close(resolve));
  await rm(dataDir, { recursive: true, force: true });
});
const database = useDatabase('npm-start-port-in-use', { migrate: false });
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tw-npm-start-'));
});

test('npm start exits with an error naming the port and the process when another program holds the Temporal port', async () => {
  const temporalPort = await freePort();
  holder = createServer();
  await new Promise<void>((resolve) => holder.listen(temporalPort, '127.0.0.1', resolve));

  launcher = spawnLauncher({
    DATABASE_URL: database.url,
    DEV_DATA_DIR: dataDir,
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(await freePort()),
    PORT: String(await freePort()),
    HOST: '127.0.0.1',
    TEMPORAL_CLI_PATH: testEnv('temporalCli'),
  });
  const thisCommandLine = readFileSync('/proc/self/cmdline', 'utf8').replace(/\0$/, '').split('\0').join(' ');
  await launcher.waitForOutput(`port ${temporalPort} (Temporal dev server) is already in use by pid ${process.pid}: ${thisCommandLine}`, 60_000);
  const code = await launcher.exited;
  expect(typeof code === 'number' && code !== 0).toBe(true);
  // It neither started a server of its own nor went on with the one it found.
  expect(processesWith('--db-filename', path.join(dataDir, 'temporal.db'))).toEqual([]);
  expect(launcher.output()).not.toContain('is ready');
});
