/**
 * Waits behind a busy endpoint are not HTTP attempts: the backoff after the first real failure is the
 * first interval of the policy, however often the delivery was held back before it.
 */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('held-back-backoff');
// The first request holds the config's only slot for 5 s. The held-back delivery's first POST is
// answered 500, its second 200.
const receiver = useReceiver(async (_request, res, index) => {
  if (index === 0) await new Promise((resolve) => setTimeout(resolve, 5_000));
  res.writeHead(index === 1 ? 500 : 200).end();
});
const stack = useStack(db, {
  THROTTLE_RETRY_DELAY: '50ms',
  DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
  DELIVERY_RETRY_MAX_INTERVAL: '1h',
  DELIVERY_RETRY_WINDOW: '5m',
});

test('after several held-back waits, one 500 is retried after the first backoff interval, not a late one', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { maxConcurrency: 1 } });
  await publish(stack, org, { n: 1 });
  await receiver.waitForRequests(1);
  const second = await publish(stack, org, { n: 2 });
  const { deliveryId } = second.deliveries[0];

  // Held back behind the slot six times or more (50 ms doubling up to 1.6 s, with jitter), then sent.
  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered', 30_000);
  expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  const [failed, succeeded] = receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId);
  // One real failure: 200 ms (the first interval). Counting the waits as attempts made it 2^5 × 200 ms or more.
  expect(succeeded.receivedAt - failed.receivedAt).toBeLessThan(2_000);
});
