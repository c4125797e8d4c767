/** The health routes and the API when Postgres or Temporal is unreachable, and the 404 problem and request id of every answer. */
import { Client, Connection } from '@temporalio/client';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { closeServer } from '../src/api/server-lifecycle';
import { composeApp } from '../src/compose';
import { createPool, type Pool } from '../src/db/pool';
import { useDatabase } from './helpers/fixtures';
import { callApi, testConfig, withAdminKey } from './helpers/stack';
import { testEnv } from './setup/test-env';

const db = useDatabase('health');

/** The API alone, with the given dependencies, on a free port. */
async function withApp(deps: { pool: Pool; temporalAddress: string }, work: (baseUrl: string) => Promise<void>) {
  const connection = Connection.lazy({ address: deps.temporalAddress, connectTimeout: 1_000 });
  const temporal = new Client({ connection });
  const { app } = composeApp(testConfig(db), { pool: deps.pool, temporal, logger: pino({ level: 'silent' }) });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    await work(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await closeServer(server);
    // Against an unreachable address the SDK's gRPC retry timer may still be pending, and it throws
    // if it fires on a closed channel; that channel never connected, so it is left to the process exit.
    if (deps.temporalAddress === testEnv('temporalAddress')) await connection.close();
  }
}

test('readyz is 200 when Postgres and Temporal answer', async () => {
  await withApp({ pool: db.pool, temporalAddress: testEnv('temporalAddress') }, async (baseUrl) => {
    const health = await callApi(baseUrl, 'GET', '/healthz');
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await callApi(baseUrl, 'GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } } });
  });
});

test('with Postgres unreachable, readyz is 503 naming postgres, publish is 503, and the process stays up', async () => {
  const deadPool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
  try {
    await withApp({ pool: deadPool, temporalAddress: testEnv('temporalAddress') }, async (baseUrl) => {
      const ready = await callApi<{ dependencies: string[] }>(baseUrl, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.dependencies).toEqual(['postgres']);
      const publish = await callApi<{ dependency: string }>(baseUrl, 'POST', '/events', { eventName: 'a.b', orgId: 'acme', data: {} }, withAdminKey());
      expect(publish.status).toBe(503);
      expect(publish.body.dependency).toBe('postgres');
      expect(publish.headers.get('retry-after')).toBe('5');
      expect((await callApi(baseUrl, 'GET', '/healthz')).status).toBe(200);
    });
  } finally {
    await deadPool.end();
  }
});

test('with Temporal unreachable, readyz is 503 naming temporal', async () => {
  await withApp({ pool: db.pool, temporalAddress: '127.0.0.1:1' }, async (baseUrl) => {
    const ready = await callApi<{ dependencies: string[]; checks: Record<string, string> }>(baseUrl, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.dependencies).toEqual(['temporal']);
    expect(ready.body.checks.postgres).toBe('ok');
  });
});

test('with Temporal unreachable, publish still answers 202 and the delivery waits as pending without a workflow', async () => {
  await withApp({ pool: db.pool, temporalAddress: '127.0.0.1:1' }, async (baseUrl) => {
    await callApi(baseUrl, 'PUT', '/event-types/order.created', {}, withAdminKey());
    await callApi(baseUrl, 'PUT', '/webhooks/acme-down/configs/main', { url: 'https://example.com/hook', eventNames: ['order.created'] }, withAdminKey());
    const published = await callApi<{ deliveries: { deliveryId: string }[] }>(baseUrl, 'POST', '/webhooks/acme-down/events', { eventName: 'order.created', data: {} }, withAdminKey());
    expect(published.status).toBe(202);
    const { rows } = await db.pool.query('SELECT status, workflow_started_at FROM deliveries WHERE delivery_id = $1', [published.body.deliveries[0].deliveryId]);
    expect(rows[0]).toEqual({ status: 'pending', workflow_started_at: null });
  });
});

test('an unknown route is a 404 problem and every answer carries a request id', async () => {
  await withApp({ pool: db.pool, temporalAddress: testEnv('temporalAddress') }, async (baseUrl) => {
    const response = await callApi<{ requestId: string; status: number }>(baseUrl, 'GET', '/nope', undefined, withAdminKey({ 'x-request-id': 'req-123' }));
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(response.body.requestId).toBe('req-123');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });
});
