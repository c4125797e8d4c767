/** Per-config limits: a hanging endpoint does not hold up a healthy one, and maxConcurrency and maxPerSecond cap what one endpoint gets. */
import type { ServerResponse } from 'node:http';
import { useDatabase, useReceivers, useStack } from './helpers/fixtures';
import { getDelivery, publishMany, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

const db = useDatabase('per-config-limits');
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '2m' });

/** Starts a receiver that stays up until the file's tests are done. */
const receiver = useReceivers();

test('500 deliveries to an endpoint that hangs for its whole timeout do not hold up 100 to a healthy one', async () => {
  const open: ServerResponse[] = [];
  const hanging = await receiver((_request, res) => {
    open.push(res); // never answered: every attempt runs into its timeout
  });
  const healthy = await receiver();
  const slowOrg = uniqueOrg();
  const fastOrg = uniqueOrg();
  await subscribe(stack, slowOrg, hanging.url, { body: { timeoutMs: 2_000 } });
  await subscribe(stack, fastOrg, healthy.url);

  await publishMany(stack, slowOrg, 500);
  await hanging.waitForRequests(10);
  const started = Date.now();
  await publishMany(stack, fastOrg, 100);
  const published = Date.now();
  await healthy.waitForRequests(100, 60_000);
  const lastArrival = Math.max(...healthy.requests.map((r) => r.receivedAt));

  // Behind the hanging endpoint's queue (500 at 10 per 2 s) they would wait 100 s at least, however fast
  // the machine; beside it they wait only for the server to get through the first rounds of held-back
  // attempts: about 10 s on 2 idle cores, over 20 s with one core taken by other work. Half the queued
  // time still tells the two apart.
  expect(lastArrival - published).toBeLessThan(45_000);
  // The cap held the hanging endpoint to 10 requests at a time all along.
  expect(hanging.requests.length).toBeLessThanOrEqual(10 * Math.ceil((Date.now() - started) / 2_000 + 2));
  for (const res of open) res.destroy();
}, scaled(90_000));

test('maxConcurrency caps the requests in flight to one endpoint, and every delivery still arrives', async () => {
  let inFlight = 0;
  let peak = 0;
  const slow = await receiver(async (_request, res) => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 300));
    inFlight -= 1;
    res.writeHead(200).end();
  });
  const org = uniqueOrg();
  await subscribe(stack, org, slow.url, { body: { maxConcurrency: 3 } });
  const answers = await publishMany(stack, org, 15);
  for (const answer of answers) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', 30_000);
  expect(slow.requests).toHaveLength(15);
  expect(peak).toBe(3);
}, scaled(60_000));

test('maxPerSecond spreads deliveries out: no second holds more than the bucket allows', async () => {
  const metered = await receiver();
  const org = uniqueOrg();
  await subscribe(stack, org, metered.url, { body: { maxPerSecond: 5 } });
  const answers = await publishMany(stack, org, 15);
  for (const answer of answers) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', 30_000);
  expect(metered.requests).toHaveLength(15);
  // When each attempt was let out, as the attempt recorded it: the bucket admits attempts, and the time a
  // POST then takes to reach the receiver varies with the machine's load.
  const delivered = await Promise.all(answers.map((answer) => getDelivery(stack, org, answer.deliveries[0].deliveryId)));
  const times = delivered.map((d) => Date.parse(d.attempts[0].startedAt)).sort((a, b) => a - b);
  expect(times).toHaveLength(15);
  // A full bucket of 5, then 5 per second: 15 need at least 2 s.
  expect(times[14] - times[0]).toBeGreaterThanOrEqual(1_900);
  for (const t of times) expect(times.filter((u) => u >= t && u < t + 1_000).length).toBeLessThanOrEqual(10);
}, scaled(60_000));

test('limits are validated: maxConcurrency 1..1000, maxPerSecond 1..10000 or null', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, 'http://127.0.0.1:9/hook');
  for (const body of [{ maxConcurrency: 0 }, { maxConcurrency: 1001 }, { maxPerSecond: 0 }, { maxConcurrency: 2.5 }]) {
    const response = await stack.api('PATCH', `/webhooks/${org}/configs/main`, body);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ field: Object.keys(body)[0] });
  }
  const ok = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { maxConcurrency: 50, maxPerSecond: null });
  expect(ok.body).toMatchObject({ maxConcurrency: 50, maxPerSecond: null });
});
