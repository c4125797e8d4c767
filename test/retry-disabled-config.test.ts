/** Retrying dead letters of a disabled or deleted config is refused with 409 and changes nothing, and bulk retry skips them. */
import { statusQuery } from '../src/shared/temporal';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('retry-disabled-config');
const stack = useStack(db, { DELIVERY_RETRY_WINDOW: '1s' }, { checked: true });
const receiver = useReceiver(respondWith(503), { scope: 'each' });

interface Problem {
  type: string;
  status: number;
  detail: string;
  field: string;
  configId: string;
}

async function deadLetterOne(org: string, eventName = 'order.created'): Promise<string> {
  const { deliveries } = await publish(stack, org, { n: 1 }, eventName);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered', 20_000);
  return deliveries[0].deliveryId;
}

async function deadLetterRow(deliveryId: string) {
  const { rows } = await db.pool.query(
    `SELECT dl.created_at, dl.expires_at, dl.retried_at, dl.reason, d.status, d.attempt_count
     FROM dead_letters dl JOIN deliveries d USING (delivery_id) WHERE delivery_id = $1`,
    [deliveryId],
  );
  return rows[0] as Record<string, unknown>;
}

/** `retry` signals in the workflow's history: a signal sent is recorded before the call that sent it returns. */
async function retrySignalsOf(deliveryId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(`delivery-${deliveryId}`).fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'retry').length;
}

/** The workflow still waits as a dead letter, with the expiry it was given when it was dead-lettered. */
async function expectStillDeadLettered(deliveryId: string, expiresAt: Date): Promise<void> {
  const status = await stack.client.workflow.getHandle(`delivery-${deliveryId}`).query(statusQuery);
  expect(status).toMatchObject({ state: 'dead_lettered' });
  expect(Math.abs(Date.parse(status.deadLetterExpiresAt as string) - expiresAt.getTime())).toBeLessThan(1_000);
}

async function disable(org: string, configId = 'main', eventName = 'order.created'): Promise<void> {
  const put = await stack.api('PUT', `/webhooks/${org}/configs/${configId}`, { url: receiver.url, eventNames: [eventName], enabled: false });
  expect(put.status).toBe(200);
}

test('retrying a dead letter of a disabled config is 409, sends no signal and leaves the dead letter as it was', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const deliveryId = await deadLetterOne(org);
  await disable(org);
  const before = await deadLetterRow(deliveryId);
  receiver.respond(respondWith(200));
  const requests = receiver.requests.length;

  const retried = await stack.api<Problem>('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
  expect(retried.status).toBe(409);
  expect(retried.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(retried.body).toMatchObject({
    type: 'urn:temporal-webhooks:problem:config-disabled',
    status: 409,
    field: 'configId',
    configId: 'main',
  });
  expect(retried.body.detail).toMatch(/config main is disabled \(disabled by user\)/);

  expect(await retrySignalsOf(deliveryId)).toBe(0);
  await expectStillDeadLettered(deliveryId, before.expires_at as Date);
  expect(await deadLetterRow(deliveryId)).toEqual(before);
  expect(before).toMatchObject({ status: 'dead_lettered', retried_at: null });
  expect(receiver.requests.length).toBe(requests);
});

test('retrying a dead letter of a deleted config is 409 and changes nothing', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const deliveryId = await deadLetterOne(org);
  expect((await stack.api('DELETE', `/webhooks/${org}/configs/main`)).status).toBe(204);
  const before = await deadLetterRow(deliveryId);

  const retried = await stack.api<Problem>('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
  expect(retried.status).toBe(409);
  expect(retried.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(retried.body).toMatchObject({ type: 'urn:temporal-webhooks:problem:config-deleted', status: 409, field: 'configId', configId: 'main' });
  expect(retried.body.detail).toMatch(/config main no longer exists/);

  expect(await retrySignalsOf(deliveryId)).toBe(0);
  await expectStillDeadLettered(deliveryId, before.expires_at as Date);
  expect(await deadLetterRow(deliveryId)).toEqual(before);
});

test('bulk retry skips the dead letters of a disabled config, with the reason, and retries the rest', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  await subscribe(stack, org, receiver.url, { configId: 'off', eventName: 'invoice.paid' });
  const live = await deadLetterOne(org);
  const off = await deadLetterOne(org, 'invoice.paid');
  await disable(org, 'off', 'invoice.paid');
  const before = await deadLetterRow(off);
  receiver.respond(respondWith(200));
  const requests = receiver.requests.length;

  const bulk = await stack.api<{ retried: number; matched: number; skipped: { deliveryId: string; configId: string; reason: string }[] }>(
    'POST',
    `/webhooks/${org}/dead-letters/retry`,
    {},
  );
  expect(bulk.status).toBe(202);
  expect(bulk.body).toEqual({
    retried: 1,
    matched: 2,
    skipped: [{ deliveryId: off, configId: 'off', reason: expect.stringMatching(/config off is disabled \(disabled by user\)/) }],
  });

  await waitForStatus(stack, org, live, 'delivered');
  expect(receiver.requests.slice(requests).map((request) => request.headers['webhook-id'])).toEqual([live]);
  expect(await retrySignalsOf(off)).toBe(0);
  await expectStillDeadLettered(off, before.expires_at as Date);
  expect(await deadLetterRow(off)).toEqual(before);
});
