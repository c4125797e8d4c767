/** Delivery retries by the receiver's answer: success, 5xx, 429 with Retry-After, 410 Gone, timeouts and refused connections, until delivered or dead-lettered. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith, startReceiver } from './helpers/receiver';
import { getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('delivery-retries');
const stack = useStack(db);
const receiver = useReceiver(undefined, { scope: 'each' });

test('a 200 is delivered on the first attempt and recorded', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  expect(delivery.attempts).toHaveLength(1);
  expect(delivery.attempts[0]).toMatchObject({ attempt: 1, statusCode: 200, error: null });
  expect(delivery.nextAttemptAt).toBeNull();
});

test('500 twice then 200: retried with backoff, same webhook-id on every attempt', async () => {
  receiver.respond((_req, res, index) => {
    res.writeHead(index < 2 ? 500 : 200).end(index < 2 ? 'boom' : 'ok');
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');

  expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
  expect(delivery.attempts[0]).toMatchObject({ error: 'http_status', responseBody: 'boom' });
  const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
  expect(ids).toEqual(new Set([deliveries[0].deliveryId]));
  // Backoff: 200 ms before the 2nd attempt, 400 ms before the 3rd.
  const [first, second, third] = receiver.requests.map((r) => r.receivedAt);
  expect(second - first).toBeGreaterThanOrEqual(150);
  expect(third - second).toBeGreaterThanOrEqual(350);
});

test('429 with Retry-After: 1 waits about a second before the next attempt', async () => {
  receiver.respond((_req, res, index) => {
    if (index === 0) res.writeHead(429, { 'retry-after': '1' }).end();
    else res.writeHead(200).end();
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  expect(delivery.attempts.map((a) => a.statusCode)).toEqual([429, 200]);
  const gap = receiver.requests[1].receivedAt - receiver.requests[0].receivedAt;
  expect(gap).toBeGreaterThanOrEqual(900); // the policy alone would have waited 200 ms
});

test('410 Gone stops at once: dead-lettered and the config disabled with reason "gone"', async () => {
  receiver.respond(respondWith(410));
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  expect(delivery.attempts).toHaveLength(1);
  const config = await stack.api('GET', `/webhooks/${org}/configs/main`);
  expect(config.body).toMatchObject({ enabled: false, disabledReason: 'gone' });
  const deadLetters = await stack.api<{ items: { deliveryId: string; reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(deadLetters.body.items).toEqual([expect.objectContaining({ deliveryId: deliveries[0].deliveryId, reason: expect.stringContaining('410') })]);
});

test('a receiver hanging past the config timeout is a timeout, and a later attempt succeeds', async () => {
  receiver.respond((_req, res, index) => {
    if (index > 0) res.writeHead(200).end();
    // the first request is never answered
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { timeoutMs: 1000 } });
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  expect(delivery.attempts[0]).toMatchObject({ statusCode: null, error: 'timeout' });
  expect(delivery.attempts[0].durationMs).toBeGreaterThanOrEqual(950);
  expect(delivery.attempts.at(-1)).toMatchObject({ statusCode: 200 });
});

test('refused connections are retried through the window, then dead-lettered', async () => {
  const closed = await startReceiver();
  const url = closed.url;
  await closed.close(); // nothing listens on that port any more
  const org = uniqueOrg();
  await subscribe(stack, org, url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId } = deliveries[0];
  const retrying = await waitForStatus(stack, org, deliveryId, 'retrying');
  expect(retrying.attempts[0]).toMatchObject({ statusCode: null, error: 'connection_refused' });

  const dead = await waitForStatus(stack, org, deliveryId, 'dead_lettered', 15_000);
  expect(dead.attempts.length).toBeGreaterThanOrEqual(3);
  expect(dead.attempts.every((a) => a.error === 'connection_refused')).toBe(true);
  const again = await getDelivery(stack, org, deliveryId);
  expect(again.nextAttemptAt).toBeNull();
});

test('the recorded response body is cut at 4 KiB', async () => {
  receiver.respond(respondWith(200, { 'content-type': 'text/plain' }, 'x'.repeat(10_000)));
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const delivery = await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  expect(delivery.attempts[0].responseBody).toBe('x'.repeat(4096));
});

test('a deleted config stops a retrying delivery as a dead letter', async () => {
  receiver.respond(respondWith(500));
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'retrying');
  expect((await stack.api('DELETE', `/webhooks/${org}/configs/main`)).status).toBe(204);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  const letters = await stack.api<{ items: { reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items[0].reason).toMatch(/deleted/);
});
