/** A config's circuit breaker: it opens after failed attempts, probes once per cooldown, closes on a good probe, and lets a person's retry through. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, holdsFor, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

const COOLDOWN_MS = 3_000;

const db = useDatabase('circuit-breaker');
const stack = useStack(db, {
  CIRCUIT_BREAKER_THRESHOLD: '3',
  CIRCUIT_BREAKER_COOLDOWN: `${COOLDOWN_MS}ms`,
  DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
  DELIVERY_RETRY_MAX_INTERVAL: '500ms',
  DELIVERY_RETRY_WINDOW: '2m',
});
const receiver = useReceiver(respondWith(503), { scope: 'each' });

async function circuitOf(org: string): Promise<{ circuit: string; circuitOpenUntil: string | null; consecutiveFailures: number }> {
  return (await stack.api<{ health: { circuit: string; circuitOpenUntil: string | null; consecutiveFailures: number } }>('GET', `/webhooks/${org}/configs/main`)).body.health;
}

test('after 3 failed attempts the circuit opens: silence while open, one probe per cooldown, and a good probe lets everything through', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const first = await publish(stack, org, { n: 0 });
  await receiver.waitForRequests(3);
  const opened = await eventually(async () => {
    const health = await circuitOf(org);
    return health.circuit === 'open' ? health : undefined;
  }, 5_000, 'the circuit to open');
  expect(opened.consecutiveFailures).toBeGreaterThanOrEqual(3);

  // More events while the circuit is open: the endpoint hears nothing until the cooldown ends.
  const more = await Promise.all([1, 2, 3, 4].map((n) => publish(stack, org, { n })));
  const openedAt = Date.now();
  const countAtOpen = receiver.requests.length;
  const openUntil = Date.parse(opened.circuitOpenUntil ?? '');
  await holdsFor(() => receiver.requests.length === countAtOpen, Math.max(openUntil - Date.now() - 300, 0), 'no request while the circuit is open');

  // Half-open: exactly one probe, which fails, so the circuit stays open for another cooldown.
  await receiver.waitForRequests(countAtOpen + 1, COOLDOWN_MS + 5_000);
  await holdsFor(() => receiver.requests.length === countAtOpen + 1, 1_000, 'a single probe in the half-open state');
  expect((await circuitOf(org)).circuit).toBe('open');

  // The endpoint recovers: the next probe succeeds, the circuit closes and every delivery arrives.
  receiver.respond(respondWith(200));
  for (const answer of [first, ...more]) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', COOLDOWN_MS * 3 + 10_000);
  expect((await circuitOf(org)).circuit).toBe('closed');
  expect(Date.now() - openedAt).toBeGreaterThan(COOLDOWN_MS);
}, scaled(60_000));

test('a retry asked for by a person goes through an open circuit at once', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  await receiver.waitForRequests(3);
  await eventually(async () => ((await circuitOf(org)).circuit === 'open' ? true : undefined), 5_000, 'the circuit to open');
  const before = receiver.requests.length;

  receiver.respond(respondWith(200));
  const asked = Date.now();
  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deliveries[0].deliveryId}/retry`)).status).toBe(202);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered', 10_000);
  expect(Date.now() - asked).toBeLessThan(COOLDOWN_MS);
  expect(receiver.requests.length).toBe(before + 1);
  expect((await circuitOf(org)).circuit).toBe('closed');
});
