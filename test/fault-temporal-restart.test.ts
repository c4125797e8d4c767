/**
 * Temporal itself goes away: a dev server of this file's own is stopped and started again on the
 * same SQLite file, while the service keeps running against it.
 */
import { TEMPORAL_CALL_DEADLINE_MS } from '../src/delivery/dispatcher';
import { useDatabase, useFixture, useReceiver, useStackStarter } from './helpers/fixtures';
import { startOwnDevServer } from './helpers/own-dev-server';
import { type ReceivedRequest, respondWith } from './helpers/receiver';
import { type PublishAnswer, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { RECONCILE_AT_ONCE } from './helpers/stack';
import { scaled } from './setup/test-env';

const db = useDatabase('fault-temporal');
// Each test stops and starts its own server, and runs its stack against it with settings of its own.
const server = useFixture('dev server', () => startOwnDevServer(), (own) => own.destroy(), 'each');
const receiver = useReceiver(undefined, { scope: 'each' });
const stacks = useStackStarter(db);

/** Each event arrived at least once, and every repeat of a delivery carried the same webhook-id. */
function expectEachAtLeastOnce(requests: ReceivedRequest[], answers: PublishAnswer[]): void {
  const idsByEvent = new Map<string, Set<string>>();
  for (const request of requests) {
    const { eventId } = JSON.parse(request.body) as { eventId: string };
    const ids = idsByEvent.get(eventId) ?? new Set();
    ids.add(String(request.headers['webhook-id']));
    idsByEvent.set(eventId, ids);
  }
  for (const answer of answers) {
    expect([...(idsByEvent.get(answer.eventId) ?? [])]).toEqual([answer.deliveries[0].deliveryId]);
  }
}

test('a delivery waiting in backoff resumes and completes after the Temporal server restarts', async () => {
  receiver.respond(respondWith(503));
  const stack = await stacks.start({
    TEMPORAL_ADDRESS: server.address,
    DELIVERY_RETRY_INITIAL_INTERVAL: '3s',
    DELIVERY_RETRY_MAX_INTERVAL: '3s',
    DELIVERY_RETRY_WINDOW: '5m',
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const answer = await publish(stack, org);
  await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'retrying');

  await server.stop();
  receiver.respond(respondWith(200));
  await server.start();

  await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', 45_000);
  expect(receiver.requests.length).toBeGreaterThanOrEqual(2);
  expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(answer.deliveries[0].deliveryId);
  expectEachAtLeastOnce(receiver.requests, [answer]);
}, scaled(90_000));

test('events published while Temporal is down answer 202 at once and the reconciler delivers all of them once it is back', async () => {
  const stack = await stacks.start({
    TEMPORAL_ADDRESS: server.address,
    ...RECONCILE_AT_ONCE,
    // Starts still in flight when the server comes back succeed, eagerly, on a worker that is itself
    // reconnecting: its first workflow task can take seconds, longer than the test's usual 4 s window.
    DELIVERY_RETRY_WINDOW: '2m',
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);

  await server.stop();
  const sent = performance.now();
  const published = await Promise.all(
    Array.from({ length: 20 }, (_, n) => stack.api<PublishAnswer>('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n } })),
  );
  // The answers do not wait for Temporal (PUBLISH_STARTS_AFTER_ANSWER): all 20 well before one start would give up.
  expect(performance.now() - sent).toBeLessThan(TEMPORAL_CALL_DEADLINE_MS);
  expect(published.map((response) => response.status)).toEqual(Array(20).fill(202));
  const answers = published.map((response) => response.body);
  expect(answers.every((answer) => answer.deliveries.length === 1)).toBe(true);
  const { rows } = await db.pool.query<{ pending: string }>(
    `SELECT count(*) AS pending FROM deliveries WHERE org_id = $1 AND workflow_started_at IS NULL AND status = 'pending'`,
    [org],
  );
  expect(Number(rows[0].pending)).toBe(20);

  await server.start();
  await receiver.waitForRequests(20, 60_000);
  for (const answer of answers) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered', 30_000);
  expectEachAtLeastOnce(receiver.requests, answers);
  const started = await db.pool.query<{ unstarted: string }>(
    'SELECT count(*) AS unstarted FROM deliveries WHERE org_id = $1 AND workflow_started_at IS NULL',
    [org],
  );
  expect(Number(started.rows[0].unstarted)).toBe(0);
}, scaled(120_000));
