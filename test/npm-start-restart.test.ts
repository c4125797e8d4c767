/** npm start after its launcher was killed: it stops the dev server left running and carries on with the deliveries. */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { testEnv } from './setup/test-env';
import { useDatabase, useReceiver } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type LauncherProcess, spawnLauncher } from './helpers/launcher-process';
import { processesWith } from './helpers/processes';
import { respondWith } from './helpers/receiver';
import { eventually, getDelivery, publish, subscribe, uniqueOrg } from './helpers/scenario';
import { type ApiStack, callApi } from './helpers/stack';

let dataDir: string;
const launchers: LauncherProcess[] = [];
const adminKey = `twk_admin_${randomBytes(24).toString('hex')}`;

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  for (const launcher of launchers) launcher.killGroup('SIGKILL');
  // The dev servers lead groups of their own: whatever runs on this data dir's database goes.
  for (const pid of processesWith('--db-filename', path.join(dataDir, 'temporal.db'))) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await Promise.all(launchers.map((launcher) => launcher.exited));
  await eventually(async () => processesWith('--db-filename', path.join(dataDir, 'temporal.db')).length === 0, 10_000, 'the dev servers to end');
  await rm(dataDir, { recursive: true, force: true });
});
const database = useDatabase('npm-start-restart', { migrate: false });
const receiver = useReceiver(respondWith(503));
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'tw-npm-start-'));
});

test('npm start after the launcher was killed stops the dev server it left running and carries on with its deliveries', async () => {
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const dbFile = path.join(dataDir, 'temporal.db');
  const env = {
    DATABASE_URL: database.url,
    DEV_DATA_DIR: dataDir,
    TEMPORAL_DEV_PORT: String(temporalPort),
    TEMPORAL_UI_PORT: String(uiPort),
    PORT: String(apiPort),
    METRICS_PORT: String(await freePort()),
    HOST: '127.0.0.1',
    TEMPORAL_CLI_PATH: testEnv('temporalCli'),
    WORKFLOW_BUNDLE_PATH: testEnv('workflowBundle'),
    ADMIN_API_KEY: adminKey,
    LOG_LEVEL: 'warn',
    MAINTENANCE_SCHEDULES: 'false',
    DELIVERY_RETRY_INITIAL_INTERVAL: '500ms',
    DELIVERY_RETRY_MAX_INTERVAL: '1s',
    CIRCUIT_BREAKER_THRESHOLD: '1000',
  };
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const stack = { api: (method, urlPath, body, headers) => callApi(baseUrl, method, urlPath, body, { authorization: `Bearer ${adminKey}`, ...headers }) } as ApiStack;

  const first = spawnLauncher(env);
  launchers.push(first);
  await first.waitForOutput('temporal-webhooks is ready');
  const record = JSON.parse(readFileSync(path.join(dataDir, 'temporal.pid'), 'utf8')) as { pid: number; binary: string; dbFilename: string; port: number };
  expect(record).toMatchObject({ binary: testEnv('temporalCli'), dbFilename: dbFile, port: temporalPort });
  expect(processesWith('--db-filename', dbFile)).toEqual([record.pid]);
  // A new database: the dev server runs with task queue fairness, and the marker says so for later starts.
  expect(first.output()).toContain('fairness on');
  expect(processesWith('--dynamic-config-value', 'matching.enableFairness=true')).toContain(record.pid);
  expect(existsSync(`${dbFile}.fairness`)).toBe(true);

  // A delivery in flight: the receiver fails it until after the restart.
  const orgId = uniqueOrg();
  await subscribe(stack, orgId, receiver.url);
  const { eventId, deliveries } = await publish(stack, orgId, { n: 1 });
  await receiver.waitForRequests(1);

  first.child.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  // What the issue is about: nothing stopped the dev server.
  expect(processesWith('--db-filename', dbFile)).toEqual([record.pid]);

  const second = spawnLauncher(env);
  launchers.push(second);
  await second.waitForOutput('temporal-webhooks is ready');
  expect(second.output()).toContain(`stopped the Temporal dev server left running by an earlier start (pid ${record.pid})`);
  expect(second.output()).not.toMatch(/address already in use/i);
  const [current] = processesWith('--db-filename', dbFile);
  expect(processesWith('--db-filename', dbFile)).toEqual([current]);
  expect(current).not.toBe(record.pid);
  expect(JSON.parse(readFileSync(path.join(dataDir, 'temporal.pid'), 'utf8'))).toMatchObject({ pid: current });
  // The database was created with fairness: the restarted server keeps it, so its queued tasks are dispatched.
  expect(processesWith('--dynamic-config-value', 'matching.enableFairness=true')).toContain(current);

  // The workflow of the delivery lives in the dev server's database: the new server and worker finish it.
  receiver.respond(respondWith(200));
  const deliveryId = deliveries[0]!.deliveryId;
  const delivered = await eventually(async () => {
    const delivery = await getDelivery(stack, orgId, deliveryId);
    return delivery.status === 'delivered' ? delivery : undefined;
  }, 45_000, 'the delivery to be delivered after the restart');
  expect(delivered.attempts.at(-1)?.statusCode).toBe(200);
  const event = await stack.api<{ eventId: string }>('GET', `/webhooks/${orgId}/events/${eventId}`);
  expect(event.status).toBe(200);
  expect(event.body.eventId).toBe(eventId);
});
