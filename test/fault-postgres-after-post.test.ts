/**
 * A 2xx that Postgres could not take at once is never sent again: the worker keeps the answer and
 * records it once Postgres is back, inside the attempt or, after a longer outage, from the workflow.
 * The service reaches Postgres through a TCP proxy that the receiver cuts as it gets the POST.
 */
import { activityNames } from './helpers/diagnostics';
import { useDatabase, usePostgresProxy, useReceiver, useStack } from './helpers/fixtures';
import { subscribe, publish, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('fault-postgres-after-post');
const postgres = usePostgresProxy(db, { max: 10 });
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '5m' }, () => ({ pool: postgres.pool }));
/** How long Postgres stays away in the running test. */
let outageMs = 0;
/** Cuts Postgres off as the first POST arrives, answers it 200, and gives Postgres back after `outageMs`. */
const receiver = useReceiver(
  async (_request, res, index) => {
    if (index === 0) {
      await postgres.proxy.cut();
      setTimeout(() => void postgres.proxy.restore(), outageMs);
    }
    res.writeHead(200).end();
  },
  { scope: 'each' },
);

/** Names of the activities the workflow ran, in order: scheduled ones and local ones (recorded as markers). */
async function activitiesOf(workflowId: string): Promise<string[]> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return activityNames(history);
}

async function rowOf(deliveryId: string) {
  const { rows } = await db.pool.query(
    `SELECT d.status, d.attempt_count, (SELECT count(*) FROM delivery_attempts a WHERE a.delivery_id = d.delivery_id) AS attempts
     FROM deliveries d WHERE d.delivery_id = $1`,
    [deliveryId],
  );
  return rows[0];
}

test('Postgres gone for 3 s right after the receiver took the POST: one POST, and the delivery ends delivered', async () => {
  outageMs = 3_000;
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveryId, workflowId } = (await publish(stack, org)).deliveries[0];

  await waitForStatus(stack, org, deliveryId, 'delivered', 30_000);
  await expect(stack.client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ status: 'delivered' });
  expect(receiver.requests).toHaveLength(1);
  expect(await rowOf(deliveryId)).toEqual({ status: 'delivered', attempt_count: 1, attempts: 1 });
  // Written by the attempt itself, once Postgres was back.
  expect(await activitiesOf(workflowId)).toEqual(['attemptDelivery']);
});

test('Postgres gone for longer than the attempt keeps trying: the workflow records the 2xx, and nothing is sent again', async () => {
  outageMs = 15_000;
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveryId, workflowId } = (await publish(stack, org)).deliveries[0];

  await waitForStatus(stack, org, deliveryId, 'delivered', 45_000);
  await expect(stack.client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ status: 'delivered' });
  expect(receiver.requests).toHaveLength(1);
  expect(await rowOf(deliveryId)).toEqual({ status: 'delivered', attempt_count: 1, attempts: 1 });
  // The attempt handed its answer over; the workflow wrote it once Postgres was back.
  expect(await activitiesOf(workflowId)).toEqual(['attemptDelivery', 'recordAnswer']);
}, 90_000);
