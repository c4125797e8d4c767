/**
 * A delivery's workflow history stays bounded whatever the receiver answers, and however often a
 * person retries it: attempts add no events, and retries by a person continue the workflow as new.
 */
import type { temporal } from '@temporalio/proto';
import { HISTORY_EVENTS_PER_RUN, HISTORY_EVENTS_PER_WINDOW, maxAttemptsPerWindow, RETRIES_PER_RUN } from '../src/shared/retry-policy';
import { retrySettings } from '../src/config';
import { useDatabase, useReceivers, useStackStarter } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import type { Stack } from './helpers/stack';

const db = useDatabase('history-bound');
// Each test runs with retry settings of its own, against a receiver of its own.
const stacks = useStackStarter(db);
const newReceiver = useReceivers();

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Events of every run of the workflow, newest run first, following continue-as-new back to the first. */
async function runsOf(current: Stack, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await current.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.push(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

test('a receiver answering 503 Retry-After: 1 for a whole window: attempts and history stay within the policy bound', async () => {
  const receiver = await newReceiver(respondWith(503, { 'retry-after': '1' }));
  // Backoff 2 s, then 4 s: three attempts fit the 10 s window. Retry-After: 1 asks for one a second.
  const stack = await stacks.start({
    DELIVERY_RETRY_INITIAL_INTERVAL: '2s',
    DELIVERY_RETRY_BACKOFF: '2',
    DELIVERY_RETRY_MAX_INTERVAL: '1h',
    DELIVERY_RETRY_WINDOW: '10s',
  });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId, workflowId } = deliveries[0];

  const dead = await waitForStatus(stack, org, deliveryId, 'dead_lettered', 30_000);
  const bound = maxAttemptsPerWindow(retrySettings(stack.config));
  expect(bound).toBe(3);
  expect(dead.attempts.length).toBeLessThanOrEqual(bound);
  expect(receiver.requests.length).toBe(dead.attempts.length);

  const [events] = await runsOf(stack, workflowId);
  expect(events.length).toBeLessThanOrEqual(HISTORY_EVENTS_PER_WINDOW);
  // No attempt signals its own workflow any more.
  expect(events.filter((e) => e.workflowExecutionSignaledEventAttributes)).toEqual([]);
});

test('retries by a person continue the workflow as new: every run stays within the bound and the delivery goes on', async () => {
  const receiver = await newReceiver(respondWith(503));
  const stack = await stacks.start({ DELIVERY_RETRY_INITIAL_INTERVAL: '1m', DELIVERY_RETRY_MAX_INTERVAL: '1m', DELIVERY_RETRY_WINDOW: '1h' });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId, workflowId } = deliveries[0];
  await receiver.waitForRequests(1);

  // Each retry cuts the minute of backoff short: one more POST each time.
  for (let i = 1; i <= RETRIES_PER_RUN + 5; i += 1) {
    expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`)).status).toBe(202);
    await receiver.waitForRequests(i + 1);
  }
  receiver.respond(respondWith(200));
  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`)).status).toBe(202);
  await waitForStatus(stack, org, deliveryId, 'delivered');
  await expect(stack.client.workflow.getHandle(workflowId).result()).resolves.toMatchObject({ status: 'delivered' });

  const runs = await runsOf(stack, workflowId);
  expect(runs.length).toBeGreaterThanOrEqual(2);
  for (const events of runs) expect(events.length).toBeLessThanOrEqual(HISTORY_EVENTS_PER_RUN);
  const delivered = await getDelivery(stack, org, deliveryId);
  expect(delivered.attempts).toHaveLength(RETRIES_PER_RUN + 7);
  expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryId]));
}, 120_000);
