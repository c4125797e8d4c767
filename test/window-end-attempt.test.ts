/**
 * The last attempt of a window gets its full time: the window ends inside the attempt activity, after
 * the answer is recorded, never by cutting a running POST short. A late answer cannot leave a dead
 * letter behind a delivered delivery, nor a dead letter whose delivery says it is still retrying.
 */
import { useDatabase, useReceivers, useStack } from './helpers/fixtures';
import type { Receiver } from './helpers/receiver';
import { eventually, getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

/** The receiver answers `status` to the first request only after the 2 s window has ended. */
const ANSWER_AFTER_MS = 3_500;

const db = useDatabase('window-end-attempt');
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '2s' });
const newReceiver = useReceivers();

async function slowReceiver(status: number): Promise<Receiver> {
  return newReceiver(async (_request, res, index) => {
    if (index === 0) await new Promise((resolve) => setTimeout(resolve, ANSWER_AFTER_MS));
    res.writeHead(status).end();
  });
}

async function deadLettersOf(org: string): Promise<string[]> {
  const listed = await stack.api<{ items: { deliveryId: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  return listed.body.items.map((item) => item.deliveryId);
}

test('a 200 that comes after the window end is delivered, and no dead letter is left', async () => {
  const receiver = await slowReceiver(200);
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { timeoutMs: 10_000 } });
  const { deliveries } = await publish(stack, org);
  const { deliveryId, workflowId } = deliveries[0];

  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered', 20_000);
  expect(delivered.attempts).toEqual([expect.objectContaining({ statusCode: 200 })]);
  expect(delivered.attempts[0].durationMs).toBeGreaterThanOrEqual(ANSWER_AFTER_MS - 100);
  await expect(stack.client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ status: 'delivered' });
  expect(await deadLettersOf(org)).toEqual([]);
  expect(receiver.requests).toHaveLength(1);
});

test('a 503 that comes after the window end is recorded first, then the delivery is dead-lettered and stays so', async () => {
  const receiver = await slowReceiver(503);
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { timeoutMs: 10_000 } });
  const { deliveries } = await publish(stack, org);
  const { deliveryId } = deliveries[0];

  await waitForStatus(stack, org, deliveryId, 'dead_lettered', 20_000);
  // Whenever the answer is written, the row stays a dead letter: it never turns back to retrying.
  const recorded = await eventually(async () => {
    const delivery = await getDelivery(stack, org, deliveryId);
    return delivery.attempts.length === 1 ? delivery : undefined;
  }, 20_000, 'the slow 503 to be recorded');
  expect(recorded).toMatchObject({ status: 'dead_lettered', nextAttemptAt: null });
  expect(recorded.attempts[0]).toMatchObject({ statusCode: 503 });
  expect(await deadLettersOf(org)).toEqual([deliveryId]);
  const letters = await stack.api<{ items: { reason: string; lastStatusCode: number | null }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items[0]).toMatchObject({ reason: 'retry window spent; last error: HTTP 503', lastStatusCode: 503 });
  expect(receiver.requests).toHaveLength(1);
});
