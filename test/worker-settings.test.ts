// The worker's tuning settings switched on all at once still deliver (their options: worker-tuning.test.ts).
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

describe('a worker with every lever switched', () => {
  const db = useDatabase('worker-settings');
  const receiver = useReceiver((_request, res, index) => {
    res.writeHead(index === 0 ? 500 : 200).end();
  });
  const stack = useStack(db, {
    WORKER_POLLER_AUTOSCALING: 'true',
    WORKER_MAX_CACHED_WORKFLOWS: '2',
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '2',
    WORKER_MAX_EAGER_ACTIVITIES: '0',
    DELIVERY_RETRY_WINDOW: '1m',
  });

  test('delivers, a failed first attempt retried by a regular activity included', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const { deliveries } = await publish(stack, org);
    const delivered = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered', 30_000);
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  });
});
