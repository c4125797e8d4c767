/**
 * The service on a Temporal cluster of separate processes (two frontends behind a TCP balancer, history,
 * matching, worker) on Postgres, as `npm run temporal:cluster` runs it, while each service is killed or
 * restarted.
 * One cluster serves the whole file: starting one takes a while, and every test leaves it whole.
 */
import { Webhook } from 'standardwebhooks';
import { describeDelivery } from './helpers/diagnostics';
import { useDatabase, useReceiver, useStackStarter } from './helpers/fixtures';
import { type ReceivedRequest, respondWith } from './helpers/receiver';
import { eventually, type PublishAnswer, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { RECONCILE_AT_ONCE, type Stack } from './helpers/stack';
import { useTemporalCluster } from './helpers/temporal-cluster';
import { scaled } from './setup/test-env';

/** Two frontends behind a balancer, as in production, so that they can be restarted one at a time. */
const FRONTENDS = 2;
const db = useDatabase('temporal-cluster');
const cluster = useTemporalCluster({ frontends: FRONTENDS });
// Each test its own receiver: deliveries an earlier test left retrying cannot reach the next one's.
const receiver = useReceiver(undefined, { scope: 'each' });
// Each test starts the stack it needs; it is stopped after the test, before the receiver closes.
const stacks = useStackStarter(db);
let stack: Stack | undefined;

afterEach(async () => {
  stack = undefined;
  // A test that failed half-way leaves the cluster whole for the next one.
  for (const name of cluster.processes) if (cluster.pid(name) === undefined) await cluster.start(name);
}, scaled(180_000));

const receivedIds = (): Set<string> => new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));

/** Every delivery arrived at least once, and every request carried a webhook-id of one of them. */
function expectEachDeliveredAtLeastOnce(requests: ReceivedRequest[], deliveryIds: string[]): void {
  const received = new Set(requests.map((request) => String(request.headers['webhook-id'])));
  expect(deliveryIds.filter((id) => !received.has(id))).toEqual([]);
  expect([...received].filter((id) => !deliveryIds.includes(id))).toEqual([]);
}

test('a published event is delivered, signed, through the multi-process cluster', async () => {
  stack = await stacks.start({ TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace });
  const org = uniqueOrg();
  const secret = await subscribe(stack, org, receiver.url);
  const { eventId, deliveries } = await publish(stack, org, { orderId: 'o-1', total: 120 });

  const [request] = await receiver.waitForRequests(1, 60_000);
  const payload = new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
  expect(payload).toMatchObject({ type: 'order.created', eventId, data: { orderId: 'o-1', total: 120 } });
  expect(request.headers['webhook-id']).toBe(deliveries[0].deliveryId);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  const result = await stack.client.workflow.getHandle(deliveries[0].workflowId).result();
  expect(result).toEqual({ status: 'delivered', attempts: 1 });
}, scaled(120_000));

test('a delivery waiting in backoff completes after the history process is killed (SIGKILL) and restarted', async () => {
  receiver.respond(respondWith(503));
  stack = await stacks.start({
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    DELIVERY_RETRY_INITIAL_INTERVAL: '3s',
    DELIVERY_RETRY_MAX_INTERVAL: '3s',
    DELIVERY_RETRY_WINDOW: '10m',
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId } = deliveries[0];
  await waitForStatus(stack, org, deliveryId, 'retrying', 60_000);

  const historyPid = cluster.pid('history');
  await cluster.kill('history', 'SIGKILL');
  expect(cluster.pid('history')).toBeUndefined();
  const failedBefore = receiver.requests.length;
  receiver.respond(respondWith(200));
  await cluster.start('history');
  expect(cluster.pid('history')).not.toBe(historyPid);

  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered', 120_000);
  expect(failedBefore).toBeGreaterThanOrEqual(1);
  expect(delivered.attemptCount).toBeGreaterThan(failedBefore);
  expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(deliveryId);
  expectEachDeliveredAtLeastOnce(receiver.requests, [deliveryId]);
}, scaled(240_000));

test('a burst of 200 deliveries all arrive when the matching process is killed (SIGKILL) mid-burst and restarted', async () => {
  // A config sends at most 10 at once: the rest wait their turn, well within this window.
  stack = await stacks.start({ TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace, DELIVERY_RETRY_WINDOW: '10m' });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);

  const total = 200;
  const killAt = 50;
  const deliveryIds: string[] = [];
  let killed: Promise<void> | undefined;
  let next = 0;
  const client = async () => {
    while (next < total) {
      const n = next++;
      const answer = await publish(stack!, org, { n });
      deliveryIds.push(...answer.deliveries.map((delivery) => delivery.deliveryId));
      if (deliveryIds.length >= killAt) killed ??= cluster.kill('matching', 'SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: 10 }, client));
  await killed;
  expect(deliveryIds).toHaveLength(total);
  // Deliveries published while matching was down cannot have arrived yet.
  expect(receiver.requests.length).toBeLessThan(total);
  await cluster.start('matching');

  await eventually(
    async () => receivedIds().size === total,
    180_000,
    `all ${total} deliveries to arrive`,
    async () => {
      const received = receivedIds();
      const missing = deliveryIds.filter((id) => !received.has(id));
      return `received ${received.size} distinct of ${total}; first missing: ${missing[0] ? await describeDelivery(stack!, org, missing[0]) : 'none'}`;
    },
  );
  expectEachDeliveredAtLeastOnce(receiver.requests, deliveryIds);
}, scaled(360_000));

test('a rolling restart of the frontends while events are published loses none: every 202 arrives, 503s are retried', async () => {
  stack = await stacks.start({
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    DELIVERY_RETRY_WINDOW: '10m',
    // Deliveries whose workflow could not be started while the frontend was away are started by the reconciler.
    ...RECONCILE_AT_ONCE,
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);

  const statuses: number[] = [];
  const accepted: { answer: PublishAnswer }[] = [];
  let restarting = false;
  let publishedDuringRestart = 0;
  let stopPublishing = false;
  let n = 0;
  /** One client publishing one event after another; a 503 is sent again with the same idempotency key. */
  const client = async () => {
    while (!stopPublishing) {
      const key = `k-${n++}`;
      for (let attempt = 1; ; attempt++) {
        const sentDuringRestart = restarting;
        const response = await stack!.api<PublishAnswer>(
          'POST',
          `/webhooks/${org}/events`,
          { eventName: 'order.created', data: { key } },
          { 'idempotency-key': key },
        );
        statuses.push(response.status);
        if (response.status === 202) {
          accepted.push({ answer: response.body });
          if (sentDuringRestart) publishedDuringRestart++;
          break;
        }
        if (response.status !== 503 || attempt >= 50) throw new Error(`publish ${key}: ${response.status} ${JSON.stringify(response.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  };
  const clients = Promise.all(Array.from({ length: 4 }, client));

  await eventually(async () => accepted.length >= 10, 60_000, '10 events published before the restart');
  // One frontend at a time: stopped gracefully (SIGTERM), a new process started, and on to the next.
  restarting = true;
  for (const name of cluster.processes.filter((process) => process.startsWith('frontend'))) {
    const before = accepted.length;
    await cluster.kill(name, 'SIGTERM');
    await eventually(async () => accepted.length >= before + 5, 60_000, `5 more events published while ${name} is down`);
    await cluster.start(name);
  }
  restarting = false;
  const afterRestart = accepted.length;
  await eventually(async () => accepted.length >= afterRestart + 10, 60_000, '10 more events published after the restart');
  stopPublishing = true;
  await clients;

  expect(statuses.filter((status) => status !== 202 && status !== 503)).toEqual([]);
  expect(publishedDuringRestart).toBeGreaterThan(0);
  const deliveryIds = accepted.flatMap(({ answer }) => answer.deliveries.map((delivery) => delivery.deliveryId));
  expect(deliveryIds).toHaveLength(accepted.length);
  await eventually(
    async () => deliveryIds.every((id) => receiver.requests.some((request) => request.headers['webhook-id'] === id)),
    120_000,
    `all ${deliveryIds.length} accepted events to arrive`,
    async () => {
      const received = receivedIds();
      const missing = deliveryIds.filter((id) => !received.has(id));
      return `${missing.length} missing; the first: ${missing[0] ? await describeDelivery(stack!, org, missing[0]) : 'none'}`;
    },
  );
  expectEachDeliveredAtLeastOnce(receiver.requests, deliveryIds);
}, scaled(360_000));
