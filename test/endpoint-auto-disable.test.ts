/** Auto-disabling a failing config after dead letters in a row or a long failing time, announcing it to the org, and resetting on re-enable or success. */
import { useDatabase, useReceiver, useStackStarter } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, holdsFor, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import type { Stack } from './helpers/stack';
import { scaled } from './setup/test-env';

interface ConfigAnswer {
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  health: {
    consecutiveFailures: number;
    consecutiveDeadLetters: number;
    failingSince: string | null;
    lastSuccessAt: string | null;
    circuit: string;
  };
}

const db = useDatabase('endpoint-health');
// Each test runs with disable thresholds of its own, and the last one restarts its stack with others.
const stacks = useStackStarter(db);
const failing = useReceiver(respondWith(503), { scope: 'each' });
const watcher = useReceiver(undefined, { scope: 'each' });
let stack: Stack | undefined;

async function configOf(org: string, configId = 'main'): Promise<ConfigAnswer> {
  return (await stack!.api<ConfigAnswer>('GET', `/webhooks/${org}/configs/${configId}`)).body;
}

/** A second config of the org that listens for the service's own announcement. */
async function watchDisables(org: string): Promise<void> {
  const put = await stack!.api('PUT', `/webhooks/${org}/configs/ops`, { url: watcher.url, eventNames: ['webhook.config.disabled'] });
  expect(put.status).toBe(201);
}

test('five dead letters in a row disable the config, say why, and tell the org through webhook.config.disabled', async () => {
  stack = await stacks.start({ DELIVERY_RETRY_WINDOW: '1s', CIRCUIT_BREAKER_THRESHOLD: '1000' });
  const org = uniqueOrg();
  const other = uniqueOrg();
  await subscribe(stack, org, failing.url);
  await watchDisables(org);
  await stack.api('PUT', `/webhooks/${other}/configs/ops`, { url: watcher.url, eventNames: ['webhook.config.disabled'] });

  for (let n = 1; n <= 4; n += 1) {
    const { deliveries } = await publish(stack, org, { n });
    await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  }
  const fourth = await configOf(org);
  expect(fourth).toMatchObject({ enabled: true, health: { consecutiveDeadLetters: 4, lastSuccessAt: null } });
  expect(fourth.health.failingSince).not.toBeNull();

  const { deliveries } = await publish(stack, org, { n: 5 });
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  const disabled = await configOf(org);
  expect(disabled).toMatchObject({ enabled: false, disabledReason: '5 deliveries dead-lettered in a row', health: { consecutiveDeadLetters: 5 } });
  expect(Date.parse(disabled.disabledAt ?? '')).toBeGreaterThan(Date.now() - 60_000);

  const [announcement] = await watcher.waitForRequests(1);
  expect(JSON.parse(announcement.body)).toMatchObject({
    type: 'webhook.config.disabled',
    data: { configId: 'main', url: failing.url, reason: '5 deliveries dead-lettered in a row', disabledAt: disabled.disabledAt },
  });
  // Only the org that owns the config hears of it, and only once.
  await holdsFor(() => watcher.requests.length === 1, scaled(1_000), 'one announcement and no second');

  // A disabled config gets no new deliveries.
  const afterwards = await publish(stack, org, { n: 6 });
  expect(afterwards.deliveries).toEqual([]);
}, scaled(90_000));

test('a config failing for longer than DISABLE_AFTER_FAILING_FOR is disabled at its next dead letter', async () => {
  stack = await stacks.start({ DELIVERY_RETRY_WINDOW: '2s', DISABLE_AFTER_FAILING_FOR: '1s', DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS: '100' });
  const org = uniqueOrg();
  await subscribe(stack, org, failing.url);
  await watchDisables(org);
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  // The dead letter is written first, then counted against the config.
  const config = await eventually(async () => {
    const current = await configOf(org);
    return current.enabled ? undefined : current;
  }, 10_000, 'config disabled', async () => JSON.stringify(await configOf(org)) + JSON.stringify(await stack!.api('GET', `/webhooks/${org}/dead-letters`)));
  expect(config.disabledReason).toMatch(/^failing without a success since \d{4}-\d\d-\d\dT/);
  const [announcement] = await watcher.waitForRequests(1);
  expect(JSON.parse(announcement.body)).toMatchObject({ data: { configId: 'main', consecutiveDeadLetters: 1 } });
});

test('re-enabling resets the counters and the circuit; a success resets them too', async () => {
  stack = await stacks.start({ DELIVERY_RETRY_WINDOW: '1s', DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS: '2', CIRCUIT_BREAKER_THRESHOLD: '2' });
  const org = uniqueOrg();
  await subscribe(stack, org, failing.url);
  for (let n = 1; n <= 2; n += 1) {
    const { deliveries } = await publish(stack, org, { n });
    await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  }
  const disabled = await configOf(org);
  expect(disabled.enabled).toBe(false);
  expect(disabled.health.consecutiveFailures).toBeGreaterThanOrEqual(2);

  const enabled = await stack.api<ConfigAnswer>('PATCH', `/webhooks/${org}/configs/main`, { enabled: true });
  expect(enabled.status).toBe(200);
  expect(enabled.body).toMatchObject({
    enabled: true,
    disabledReason: null,
    disabledAt: null,
    health: { consecutiveFailures: 0, consecutiveDeadLetters: 0, failingSince: null, circuit: 'closed' },
  });

  // One failure, then a success: counters back to zero and the success time kept.
  await stack.stop();
  stack = await stacks.start({ DELIVERY_RETRY_INITIAL_INTERVAL: '500ms', DELIVERY_RETRY_WINDOW: '30s' });
  const firstNew = failing.requests.length;
  failing.respond((_request, res, index) => {
    res.writeHead(index === firstNew ? 503 : 200).end();
  });
  const { deliveries } = await publish(stack, org, { n: 3 });
  const delivered = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  expect(delivered.attempts.map((attempt) => attempt.statusCode)).toEqual([503, 200]);
  const healthy = await configOf(org);
  expect(healthy.health).toMatchObject({ consecutiveFailures: 0, consecutiveDeadLetters: 0, failingSince: null, circuit: 'closed' });
  expect(Date.parse(healthy.health.lastSuccessAt ?? '')).toBeGreaterThan(Date.now() - 60_000);
}, scaled(90_000));
