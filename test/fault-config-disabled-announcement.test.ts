/**
 * The worker reaches Postgres, and its activities reach Temporal, through TCP proxies the test cuts:
 * Postgres goes away while the disabling transaction writes the announcement, and Temporal is gone when
 * that transaction finally commits, so no workflow of the announcement can start then.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import pino from 'pino';
import { destinationGuardFor } from '../src/core/destinations';
import { createHttpClient, type HttpClient } from '../src/core/http';
import { composeActivities } from '../src/compose';
import { RECONCILE_WORKFLOW_TYPE, type ReconcileResult } from '../src/shared/temporal';
import { createDeliveryWorker } from '../src/worker/worker';
import { testEnv } from './setup/test-env';
import { useApi, useDatabase, usePostgresProxy, useReceiver } from './helpers/fixtures';
import { textSink } from './helpers/log-sink';
import { respondWith } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy';

let temporal: TcpProxy;
let activitiesConnection: Connection;
let workerConnection: NativeConnection;
let http: HttpClient;
let worker: Worker;
let workerDone: Promise<void>;
/** Messages the worker logged at warn level or above. */
const warnings: string[] = [];

// Declared before the fixtures: the worker stops while the database and the API it uses are still up.
afterAll(async () => {
  await temporal.restore();
  worker.shutdown();
  await workerDone.catch(() => undefined);
  await Promise.allSettled([workerConnection.close(), activitiesConnection.close(), http.close()]);
  await temporal.close();
});

const db = useDatabase('fault-config-disabled');
const failing = useReceiver(respondWith(503));
const watcher = useReceiver();
const api = useApi(db, {
  TEMPORAL_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
  DELIVERY_RETRY_WINDOW: '1s',
  DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS: '1',
  CIRCUIT_BREAKER_THRESHOLD: '1000',
  RECONCILE_MIN_AGE: '1ms',
});
const postgresProxy = usePostgresProxy(db, { max: 4 });

beforeAll(async () => {
  const temporalUrl = new URL(`http://${testEnv('temporalAddress')}`);
  temporal = await startTcpProxy({ host: temporalUrl.hostname, port: Number(temporalUrl.port) });

  // The worker polls Temporal directly; only its activities' client (which starts workflows) goes through the proxy.
  const config = { ...api.config };
  activitiesConnection = await Connection.connect({ address: `127.0.0.1:${temporal.port}` });
  const activitiesClient = new Client({ connection: activitiesConnection, namespace: config.TEMPORAL_NAMESPACE });
  http = createHttpClient({ guard: destinationGuardFor(config) });
  const logs = textSink((line) => {
    warnings.push((JSON.parse(line) as { msg: string }).msg);
  });
  const logger = pino({ level: 'warn' }, logs);
  const { activities } = composeActivities(config, { pool: postgresProxy.pool, temporal: activitiesClient, logger, http });
  workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  worker = await createDeliveryWorker({ connection: workerConnection, config, activities });
  workerDone = worker.run();
});

/** Whether the proxy refuses connections, that is whether it has been cut. */
function refuses(proxy: TcpProxy): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(proxy.port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

interface Announcement {
  event_id: string;
  delivery_id: string;
  workflow_started_at: Date | null;
}

async function announcementsOf(org: string): Promise<Announcement[]> {
  const { rows } = await db.pool.query<Announcement>(
    `SELECT e.event_id, d.delivery_id, d.workflow_started_at FROM events e JOIN deliveries d USING (event_id)
     WHERE e.org_id = $1 AND e.event_name = 'webhook.config.disabled'`,
    [org],
  );
  return rows;
}

test('the auto-disable announcement commits with the disable, survives Postgres and Temporal failures, and the reconciler starts it', async () => {
  const org = uniqueOrg();
  await subscribe(api, org, failing.url);
  expect((await api.api('PUT', `/webhooks/${org}/configs/ops`, { url: watcher.url, eventNames: ['webhook.config.disabled'] })).status).toBe(201);

  // The worker's connection to Postgres drops as the announcement's event is written.
  postgresProxy.proxy.cutWhenSent('INSERT INTO events');
  const { deliveries } = await publish(api, org);
  await eventually(() => refuses(postgresProxy.proxy), 30_000, 'Postgres to be cut under the announcement');

  // Nothing of that transaction committed: the config is still enabled and nothing was dead-lettered.
  const config = await db.pool.query<{ enabled: boolean }>(`SELECT enabled FROM webhook_configs WHERE org_id = $1 AND config_id = 'main'`, [org]);
  expect(config.rows[0].enabled).toBe(true);
  expect(await announcementsOf(org)).toEqual([]);
  expect((await db.pool.query(`SELECT 1 FROM dead_letters WHERE delivery_id = $1`, [deliveries[0].deliveryId])).rowCount).toBe(0);

  // Temporal goes away before Postgres comes back: the retried activity commits, but starts nothing.
  await temporal.cut();
  await postgresProxy.proxy.restore();
  const [pending] = await eventually(async () => {
    const rows = await announcementsOf(org);
    return rows.length > 0 ? rows : undefined;
  }, 30_000, 'the announcement to be written by the retried activity');
  const disabled = await db.pool.query<{ enabled: boolean; disabled_reason: string }>(
    `SELECT enabled, disabled_reason FROM webhook_configs WHERE org_id = $1 AND config_id = 'main'`,
    [org],
  );
  expect(disabled.rows[0]).toEqual({ enabled: false, disabled_reason: '1 deliveries dead-lettered in a row' });
  // The start after commit gives up (it waits for Temporal at most a few seconds), leaving the delivery to the reconciler.
  await eventually(async () => warnings.includes('workflow start failed; delivery stays pending'), 30_000, 'the start after commit to fail');
  expect((await announcementsOf(org)).map((row) => row.workflow_started_at)).toEqual([null]);
  expect((await db.pool.query(`SELECT 1 FROM dead_letters WHERE delivery_id = $1`, [deliveries[0].deliveryId])).rowCount).toBe(1);
  expect(watcher.requests).toHaveLength(0);

  // Temporal is back: one reconciler run starts the announcement's delivery.
  await temporal.restore();
  await eventually(async () => (await activitiesConnection.workflowService.getSystemInfo({})) !== undefined, 30_000, 'Temporal through the proxy');
  const result = await api.client.workflow.execute(RECONCILE_WORKFLOW_TYPE, {
    taskQueue: api.config.TEMPORAL_TASK_QUEUE,
    workflowId: `reconcile-${randomBytes(4).toString('hex')}`,
  });
  expect(result).toMatchObject<Partial<ReconcileResult>>({ found: 1, started: 1, failed: 0 });
  await waitForStatus(api, org, pending.delivery_id, 'delivered');
  expect(watcher.requests).toHaveLength(1);
  expect(JSON.parse(watcher.requests[0].body)).toMatchObject({
    type: 'webhook.config.disabled',
    eventId: pending.event_id,
    data: { configId: 'main', reason: '1 deliveries dead-lettered in a row', consecutiveDeadLetters: 1 },
  });
  expect(await announcementsOf(org)).toHaveLength(1);
}, 120_000);
