import { loadConfig } from '../src/config';
import { workerTuning } from '../src/worker/worker';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { type Receiver, startReceiver } from './helpers/receiver';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { startStack, type Stack } from './helpers/stack';

/**
 * The worker's tuning settings, kept for A/B measurement: the defaults are the worker's behaviour before
 * they existed, and each reaches the SDK's worker options.
 */
const base = { DATABASE_URL: 'postgres://localhost/x' };

test('by default the worker keeps its earlier tuning: 100 cached workflows, fixed pollers, the SDK\'s 3 eager reservations', () => {
  const options = workerTuning(loadConfig(base));
  expect(options).toMatchObject({ maxCachedWorkflows: 100, maxEagerActivityReservationsPerWorkflowTask: 3 });
  expect(options.workflowTaskPollerBehavior).toBeUndefined();
  expect(options.activityTaskPollerBehavior).toBeUndefined();
});

test('each setting reaches its worker option; the cache never goes below the workflow task slots', () => {
  const options = workerTuning(
    loadConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '2000', WORKER_POLLER_AUTOSCALING: 'true', WORKER_MAX_EAGER_ACTIVITIES: '0' }),
  );
  expect(options).toMatchObject({
    maxCachedWorkflows: 2000,
    maxEagerActivityReservationsPerWorkflowTask: 0,
    workflowTaskPollerBehavior: { type: 'autoscaling' },
    activityTaskPollerBehavior: { type: 'autoscaling' },
  });
  expect(workerTuning(loadConfig({ ...base, WORKER_MAX_CACHED_WORKFLOWS: '5', WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '20' })).maxCachedWorkflows).toBe(20);
});

describe('a worker with every lever switched', () => {
  let db: TestDatabase;
  let stack: Stack;
  let receiver: Receiver;

  beforeAll(async () => {
    db = await createTestDatabase('worker-settings');
    receiver = await startReceiver((_request, res, index) => {
      res.writeHead(index === 0 ? 500 : 200).end();
    });
    stack = await startStack(db, {
      WORKER_POLLER_AUTOSCALING: 'true',
      WORKER_MAX_CACHED_WORKFLOWS: '2',
      WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '2',
      WORKER_MAX_EAGER_ACTIVITIES: '0',
      DELIVERY_RETRY_WINDOW: '1m',
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
    await db?.drop();
  });

  test('delivers, a failed first attempt retried by a regular activity included', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const { deliveries } = await publish(stack, org);
    const delivered = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered', 30_000);
    expect(delivered.attempts.map((a) => a.statusCode)).toEqual([500, 200]);
  });
});
