/** The API process on SIGTERM: it stops accepting, finishes the publish in flight and exits 0. */
import pg from 'pg';
import { useDatabase } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type ServiceProcess, spawnService } from './helpers/service-process';
import { callApi, testEnvironment, withAdminKey } from './helpers/stack';
import { scaled } from './setup/test-env';

let api: ServiceProcess | undefined;

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  api?.kill('SIGKILL');
});
const db = useDatabase('api-shutdown');

test('SIGTERM: the API stops accepting, finishes the publish in flight, and exits 0', async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  api = spawnService('api', testEnvironment(db, { PORT: String(port), HOST: '127.0.0.1' }));
  await api.waitForLog('API listening');
  expect((await callApi(baseUrl, 'PUT', '/event-types/order.created', {}, withAdminKey())).status).toBe(201);
  expect((await callApi(baseUrl, 'PUT', '/webhooks/acme/configs/main', { url: 'http://127.0.0.1:9/hook', eventNames: ['order.created'] }, withAdminKey())).status).toBe(201);

  // Hold the publish inside its transaction: the events table is locked until the test lets go.
  const locker = new pg.Client({ connectionString: db.url });
  await locker.connect();
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE events IN EXCLUSIVE MODE');
  const inFlight = callApi<{ eventId: string }>(baseUrl, 'POST', '/events', { eventName: 'order.created', orgId: 'acme', data: { n: 1 } }, withAdminKey());
  const waiting = async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'INSERT INTO events%'`,
      [db.name],
    );
    return rows[0].n > 0;
  };
  while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 50));

  api.kill('SIGTERM');
  await api.waitForLog('API shutting down');
  await expect(fetch(`${baseUrl}/healthz`)).rejects.toThrow();

  await locker.query('COMMIT');
  await locker.end();
  const answer = await inFlight;
  expect(answer.status).toBe(202);
  expect(await api.exited).toBe(0);
  const { rows } = await db.pool.query('SELECT event_id FROM events WHERE event_id = $1', [answer.body.eventId]);
  expect(rows).toHaveLength(1);
}, scaled(60_000));
