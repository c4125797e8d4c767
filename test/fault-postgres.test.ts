/**
 * Postgres goes away under the API: the API reaches it through a TCP proxy that the test cuts, while
 * the test itself checks the database directly.
 */
import { useApi, useDatabase, usePostgresProxy, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('fault-postgres');
const postgres = usePostgresProxy(db, { max: 4 });
const receiver = useReceiver(undefined, { scope: 'each' });
// The worker delivers through the direct pool; only the API's way to Postgres is cut.
const worker = useStack(db);
const api = useApi(db, () => ({ TEMPORAL_TASK_QUEUE: worker.config.TEMPORAL_TASK_QUEUE }), () => ({ pool: postgres.pool }));
async function rowsOf(org: string): Promise<{ events: number; deliveries: number; keys: number }> {
  const { rows } = await db.pool.query<{ events: string; deliveries: string; keys: string }>(
    `SELECT (SELECT count(*) FROM events WHERE org_id = $1) AS events,
            (SELECT count(*) FROM deliveries WHERE org_id = $1) AS deliveries,
            (SELECT count(*) FROM idempotency_keys WHERE org_id = $1) AS keys`,
    [org],
  );
  return { events: Number(rows[0].events), deliveries: Number(rows[0].deliveries), keys: Number(rows[0].keys) };
}

async function workflowsOf(org: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of worker.client.workflow.list({ query: `WebhookOrgId="${org}"` })) ids.push(execution.workflowId);
  return ids;
}

test('Postgres unreachable: publish answers 503 problem+json with Retry-After, and nothing is written anywhere', async () => {
  const org = uniqueOrg();
  await subscribe(api, org, receiver.url);
  await postgres.proxy.cut();

  const response = await api.api('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n: 1 }, idempotencyKey: 'k-1' });
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.headers.get('retry-after')).toBe('5');
  expect(response.body).toMatchObject({ status: 503, detail: expect.stringContaining('postgres') });
  expect((await api.api('GET', '/readyz')).status).toBe(503);

  await postgres.proxy.restore();
  expect(await rowsOf(org)).toEqual({ events: 0, deliveries: 0, keys: 0 });
  expect(await workflowsOf(org)).toEqual([]);
  expect(receiver.requests).toHaveLength(0);

  // Back up: the same idempotency key was never claimed, so the retry publishes for real.
  const again = await api.api<{ deliveries: { deliveryId: string }[] }>('POST', `/webhooks/${org}/events`, {
    eventName: 'order.created',
    data: { n: 1 },
    idempotencyKey: 'k-1',
  });
  expect(again.status).toBe(202);
  await waitForStatus(api, org, again.body.deliveries[0].deliveryId, 'delivered');
});

test('Postgres lost in the middle of the publish transaction: 503, and after it is back no partial rows and no workflow', async () => {
  const org = uniqueOrg();
  await subscribe(api, org, receiver.url);
  // The event row is already written inside the transaction when the connection drops.
  postgres.proxy.cutWhenSent('INSERT INTO deliveries');

  const response = await api.api('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n: 2 } });
  expect(response.status).toBe(503);

  await postgres.proxy.restore();
  expect(await rowsOf(org)).toEqual({ events: 0, deliveries: 0, keys: 0 });
  expect(await workflowsOf(org)).toEqual([]);
  expect(receiver.requests).toHaveLength(0);

  const { deliveries } = await publish(api, org, { n: 3 });
  await waitForStatus(api, org, deliveries[0].deliveryId, 'delivered');
  expect(receiver.requests).toHaveLength(1);
});
