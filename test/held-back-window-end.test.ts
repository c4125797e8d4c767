/** A delivery held back by a busy endpoint is still delivered inside its retry window, not dead-lettered early. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('held-back-window-end');
// The first request holds the config's only slot for 3.5 s; the rest are answered at once.
const receiver = useReceiver(async (_request, res, index) => {
  if (index === 0) await new Promise((resolve) => setTimeout(resolve, 3_500));
  res.writeHead(200).end();
});
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '6s', THROTTLE_RETRY_DELAY: '2s' });

test('a delivery held back by a busy endpoint is delivered inside its window, not dead-lettered a wait early', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { maxConcurrency: 1 } });
  const first = await publish(stack, org, { n: 1 });
  await receiver.waitForRequests(1);
  const second = await publish(stack, org, { n: 2 });
  // Held back at once, then after 2-4 s: if the slot is still taken, a second wait of 4-8 s would pass
  // the 6 s window. Cut short, it lands before the window ends, when the slot is free.
  const delivered = await waitForStatus(stack, org, second.deliveries[0].deliveryId, 'delivered', 15_000);
  expect(delivered.attempts).toHaveLength(1);
  await waitForStatus(stack, org, first.deliveries[0].deliveryId, 'delivered');
  expect(receiver.requests).toHaveLength(2);
});
