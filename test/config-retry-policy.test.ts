/** A config's own retry policy: how many attempts it makes, kept by a delivery once started, and refused outside the operator's bounds. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, holdsFor, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('config-retry-policy');
// The operator lets configs retry as fast as 100 ms, for at most 1 h and 10 attempts.
const stack = useStack(db, { RETRY_POLICY_MIN_INTERVAL: '100ms', RETRY_POLICY_MAX_WINDOW: '1h', RETRY_POLICY_MAX_ATTEMPTS: '10' });
const receiver = useReceiver(respondWith(500));

/** Short waits and a long window: only maxAttempts can end it within the test. */
const fast = { initialInterval: '100ms', backoff: 1, maxInterval: '100ms', window: '10m' };

const attemptsTo = (deliveryId: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId).length;

test('a config with maxAttempts: 3 dead-letters after exactly 3 HTTP attempts', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { retry: { ...fast, maxAttempts: 3 } } });
  const config = await stack.api('GET', `/webhooks/${org}/configs/main`);
  expect(config.body.retry).toEqual({ ...fast, maxAttempts: 3 });

  const { deliveries } = await publish(stack, org);
  const deliveryId = deliveries[0].deliveryId;
  const dead = await waitForStatus(stack, org, deliveryId, 'dead_lettered');
  expect(dead.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500]);
  const letters = await stack.api<{ items: { deliveryId: string; reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items.find((item) => item.deliveryId === deliveryId)?.reason).toMatch(/^all 3 attempts of the config's retry policy made; last error: HTTP 500/);
  await holdsFor(() => attemptsTo(deliveryId) === 3, 500, 'exactly 3 requests at the receiver');
});

test('a delivery keeps the policy its config had when it started', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { retry: { ...fast, initialInterval: '1s', maxInterval: '1s', maxAttempts: 3 } } });
  const { deliveries } = await publish(stack, org);
  const first = deliveries[0].deliveryId;
  await eventually(async () => attemptsTo(first) >= 1, 10_000, 'the first attempt');

  const patched = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { retry: { ...fast, maxAttempts: 5 } });
  expect(patched.status).toBe(200);
  const dead = await waitForStatus(stack, org, first, 'dead_lettered');
  expect(dead.attempts).toHaveLength(3);

  // A delivery started after the change has the new policy.
  const second = (await publish(stack, org)).deliveries[0].deliveryId;
  const deadToo = await waitForStatus(stack, org, second, 'dead_lettered');
  expect(deadToo.attempts).toHaveLength(5);

  const cleared = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { retry: null });
  expect(cleared.body.retry).toBeNull();
});

test('a policy outside the operator\'s bounds is refused, naming the field', async () => {
  const org = uniqueOrg();
  await stack.api('PUT', '/event-types/order.created', {});
  const put = (retry: unknown) =>
    stack.api<{ field: string; errors: { field: string }[] }>('PUT', `/webhooks/${org}/configs/c`, { url: receiver.url, eventNames: ['order.created'], retry });
  expect((await put({ window: '2h' })).body).toMatchObject({ field: 'retry.window' });
  expect((await put({ initialInterval: '50ms' })).body).toMatchObject({ field: 'retry.initialInterval' });
  expect((await put({ maxAttempts: 11 })).body).toMatchObject({ field: 'retry.maxAttempts' });
  expect((await put({ maxAttempts: 0 })).body).toMatchObject({ field: 'retry.maxAttempts' });
  expect((await put({ backoff: 20 })).body).toMatchObject({ field: 'retry.backoff' });
  expect((await put({ window: 'soon' })).body).toMatchObject({ field: 'retry.window' });
  expect((await put({ retries: 3 })).status).toBe(422);
  expect((await put({ window: '1h', maxAttempts: 10 })).status).toBe(201);
});
