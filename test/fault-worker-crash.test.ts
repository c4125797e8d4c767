/** The worker runs as a process of its own, as in production, so it can be killed for real. */
import { useDatabase } from './helpers/fixtures';
import { type Receiver, respondWith, startReceiver } from './helpers/receiver';
import { getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { type ServiceProcess, spawnService } from './helpers/service-process';
import { type ApiStack, startApi, testEnvironment } from './helpers/stack';
import { scaled } from './setup/test-env';

let api: ApiStack;
let receiver: Receiver;
const workers: ServiceProcess[] = [];

const db = useDatabase('fault-worker');
afterEach(async () => {
  for (const worker of workers.splice(0)) {
    worker.kill('SIGKILL');
    await worker.exited;
  }
  await api.stop();
  await receiver.close();
});

async function startWorker(env: Record<string, string>): Promise<ServiceProcess> {
  const worker = spawnService('worker', env);
  workers.push(worker);
  await worker.waitForLog('worker started');
  return worker;
}

/** API and one worker process on `env`, one config on the receiver, one event published and its POST under way. */
async function deliveryInFlight(env: Record<string, string>): Promise<{ worker: ServiceProcess; org: string; deliveryId: string }> {
  api = await startApi(db, env);
  const worker = await startWorker(env);
  const org = uniqueOrg();
  await subscribe(api, org, receiver.url);
  const { deliveries } = await publish(api, org);
  await receiver.waitForRequests(1);
  return { worker, org, deliveryId: deliveries[0].deliveryId };
}

test('SIGKILL of the worker while the receiver holds the request open: a new worker completes the delivery', async () => {
  let release: (() => void) | undefined;
  receiver = await startReceiver((_request, res) => {
    // Held open until the test lets go; by then the worker that sent it is dead.
    release = () => res.writeHead(200).end();
  });
  const env = testEnvironment(db, { DELIVERY_RETRY_WINDOW: '5m' });
  const { worker: first, org, deliveryId } = await deliveryInFlight(env);

  first.kill('SIGKILL');
  expect(await first.exited).toBe('SIGKILL');
  release?.();
  receiver.respond(respondWith(200));
  await startWorker(env);

  // The dead worker's attempt stops heartbeating; the server retries it on the new worker.
  const delivered = await waitForStatus(api, org, deliveryId, 'delivered', 40_000);
  expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200 });
  expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
  expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryId]));
  await expect(api.client.workflow.getHandle(`delivery-${deliveryId}`).result()).resolves.toMatchObject({ status: 'delivered' });
}, scaled(90_000));

test('SIGTERM drains: the attempt in flight finishes and is recorded, and the worker exits 0', async () => {
  receiver = await startReceiver(async (_request, res) => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    res.writeHead(200).end();
  });
  const env = testEnvironment(db, { DELIVERY_RETRY_WINDOW: '5m', WORKER_SHUTDOWN_GRACE: '10s' });
  const { worker, org, deliveryId } = await deliveryInFlight(env);

  worker.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  const recorded = await getDelivery(api, org, deliveryId);
  expect(recorded.status).toBe('delivered');
  expect(recorded.attempts).toHaveLength(1);

  // The workflow's own completion waits for the next worker; it sends nothing again.
  await startWorker(env);
  await expect(api.client.workflow.getHandle(`delivery-${deliveryId}`).result()).resolves.toMatchObject({ status: 'delivered' });
  expect(receiver.requests).toHaveLength(1);
}, scaled(90_000));

test('an attempt still running when the drain time runs out is cancelled and retried on the next worker, not lost', async () => {
  let held = true;
  receiver = await startReceiver(async (_request, res) => {
    if (held) return; // the first request is never answered
    res.writeHead(200).end();
  });
  const env = testEnvironment(db, { DELIVERY_RETRY_WINDOW: '5m', WORKER_SHUTDOWN_GRACE: '1s' });
  const { worker, org, deliveryId } = await deliveryInFlight(env);

  worker.kill('SIGTERM');
  expect(await worker.exited).toBe(0);
  expect((await getDelivery(api, org, deliveryId)).status).not.toBe('delivered');

  held = false;
  await startWorker(env);
  const delivered = await waitForStatus(api, org, deliveryId, 'delivered', 40_000);
  expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200 });
  expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryId]));
}, scaled(90_000));
