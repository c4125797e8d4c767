/**
 * A delivery whose workflow is cancelled (`temporal workflow cancel`, or a parent) is not left pending:
 * its run records a dead letter with the reason before it ends, and the retry API delivers it in a new run.
 */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('cancelled-delivery');
const receiver = useReceiver(respondWith(503));
const stack = useStack(db, { DELIVERY_RETRY_INITIAL_INTERVAL: '1h', DELIVERY_RETRY_MAX_INTERVAL: '1h', DELIVERY_RETRY_WINDOW: '1d' });

test('a cancelled delivery becomes a dead letter with the reason, and the retry API delivers it', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId, workflowId } = deliveries[0];
  await receiver.waitForRequests(1);
  await waitForStatus(stack, org, deliveryId, 'retrying');

  const handle = stack.client.workflow.getHandle(workflowId);
  await handle.cancel();
  await waitForStatus(stack, org, deliveryId, 'dead_lettered');
  const { rows } = await db.pool.query<{ reason: string }>('SELECT reason FROM dead_letters WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0].reason).toBe('delivery workflow cancelled');
  await eventually(async () => (await handle.describe()).status.name === 'CANCELLED', 10_000, 'the run to end as cancelled');

  receiver.respond(respondWith(200));
  const retried = await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
  expect(retried.status).toBe(202);
  expect(retried.body).toMatchObject({ deliveryId });
  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered');
  expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200 });
  expect(receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId)).toHaveLength(2);
});
