/**
 * A retry asked for while an attempt's POST is in flight cuts nothing short: the POST finishes and is
 * recorded, and the receiver gets one POST per webhook-id unless that POST failed. Two POSTs of one
 * delivery never run at once, and the config's concurrency cap holds meanwhile.
 */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const HOLD_MS = 2_500;
let inFlight = 0;
let peak = 0;
const answered: { webhookId: string; status: number; at: number }[] = [];
/** What the running test's receiver answers a webhook-id's `nth` request. */
let statusFor: (webhookId: string, nth: number) => number = () => 200;

const db = useDatabase('retry-during-attempt');
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '5m' });
/** Holds every request HOLD_MS, then answers what `statusFor` says, counting requests in flight. */
const receiver = useReceiver(
  async (request, res) => {
    const webhookId = String(request.headers['webhook-id']);
    const nth = answered.filter((a) => a.webhookId === webhookId).length;
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    inFlight -= 1;
    const status = statusFor(webhookId, nth);
    answered.push({ webhookId, status, at: Date.now() });
    res.writeHead(status).end();
  },
  { scope: 'each' },
);
beforeEach(() => {
  inFlight = 0;
  peak = 0;
  answered.length = 0;
});

const postsOf = (webhookId: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === webhookId);

test('a retry while the POST is held: one POST, delivered, and the other delivery waits for the only slot', async () => {
  statusFor = () => 200;
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { maxConcurrency: 1, timeoutMs: 10_000 } });
  const first = (await publish(stack, org, { n: 1 })).deliveries[0];
  await receiver.waitForRequests(1);
  const second = (await publish(stack, org, { n: 2 })).deliveries[0];

  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${first.deliveryId}/retry`)).status).toBe(202);
  await waitForStatus(stack, org, first.deliveryId, 'delivered', 20_000);
  await waitForStatus(stack, org, second.deliveryId, 'delivered', 20_000);

  expect(postsOf(first.deliveryId)).toHaveLength(1);
  expect(postsOf(second.deliveryId)).toHaveLength(1);
  expect(peak).toBe(1);
  await expect(stack.client.workflow.getHandle(first.workflowId).result()).resolves.toMatchObject({ status: 'delivered' });
});

test('a retry while a POST is held that then fails: the next POST starts only after that answer', async () => {
  statusFor = (_id, nth) => (nth === 0 ? 503 : 200);
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { timeoutMs: 10_000 } });
  const { deliveryId } = (await publish(stack, org)).deliveries[0];
  await receiver.waitForRequests(1);

  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`)).status).toBe(202);
  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered', 20_000);
  expect(delivered.attempts.map((a) => a.statusCode)).toEqual([503, 200]);
  const posts = postsOf(deliveryId);
  expect(posts).toHaveLength(2);
  expect(posts[1].receivedAt).toBeGreaterThanOrEqual(answered[0].at);
  expect(peak).toBe(1);
});
