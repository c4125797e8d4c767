/** A receiver down for 30 s, then up: every event published meanwhile is delivered, its repeats carrying the same webhook-id. */
import { useDatabase, useReceivers, useStackStarter } from './helpers/fixtures';
import { type PublishAnswer, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

const db = useDatabase('fault-receiver');
const stacks = useStackStarter(db);
const newReceiver = useReceivers();

const OUTAGE_MS = 30_000;

test('a receiver down for 30 s, then up: every event is delivered, repeats with the same webhook-id', async () => {
  const stack = await stacks.start({
    DELIVERY_RETRY_INITIAL_INTERVAL: '1s',
    DELIVERY_RETRY_MAX_INTERVAL: '4s',
    DELIVERY_RETRY_WINDOW: '5m',
    CIRCUIT_BREAKER_COOLDOWN: '3s',
  });
  const first = await newReceiver();
  const { port, url } = first;
  const org = uniqueOrg();
  await subscribe(stack, org, url);
  const before = await publish(stack, org, { n: 0 });
  await first.waitForRequests(1);
  await first.close();

  // Down: connections are refused while events keep coming.
  const downAt = Date.now();
  const during: PublishAnswer[] = [];
  for (let n = 1; n <= 10; n += 1) during.push(await publish(stack, org, { n }));
  // Attempts fail until the circuit opens; later deliveries then wait without attempting.
  await waitForStatus(stack, org, during[0].deliveries[0].deliveryId, 'retrying', 15_000);
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - downAt)));

  const receiver = await newReceiver(undefined, { port });
  for (const answer of during) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', 25_000);

  const seen = new Map<string, Set<string>>();
  for (const request of receiver.requests) {
    const { eventId } = JSON.parse(request.body) as { eventId: string };
    seen.set(eventId, (seen.get(eventId) ?? new Set()).add(String(request.headers['webhook-id'])));
  }
  for (const answer of during) expect([...(seen.get(answer.eventId) ?? [])]).toEqual([answer.deliveries[0].deliveryId]);
  expect(seen.has(before.eventId)).toBe(false);

  const failed = await db.pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM delivery_attempts a JOIN deliveries d USING (delivery_id)
     WHERE d.org_id = $1 AND a.error_class = 'connection_refused'`,
    [org],
  );
  expect(Number(failed.rows[0].n)).toBeGreaterThanOrEqual(during.length);
}, scaled(90_000));
