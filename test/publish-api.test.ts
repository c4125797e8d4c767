/** Publishing events over the REST API: fan-out to matching configs, claim-check workflow input, idempotency keys, size limits, validation and the deliveries list. */
import { temporal } from '@temporalio/proto';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { holdsFor, type PublishAnswer, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

const db = useDatabase('publish-api');
const stack = useStack(db, { MAX_PAYLOAD_BYTES: '65536' }, { checked: true });
const receiver = useReceiver(undefined, { scope: 'each' });

async function rowCounts(org: string) {
  const { rows } = await db.pool.query(
    `SELECT (SELECT count(*)::int FROM events WHERE org_id = $1) AS events,
            (SELECT count(*)::int FROM deliveries WHERE org_id = $1) AS deliveries`,
    [org],
  );
  return rows[0] as { events: number; deliveries: number };
}

test('fan-out: one delivery per matching enabled config, "*" included, disabled and other events excluded', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { configId: 'exact' });
  await stack.api('PUT', '/event-types/order.paid', {});
  await stack.api('PUT', `/webhooks/${org}/configs/all`, { url: receiver.url, eventNames: ['*'] });
  await stack.api('PUT', `/webhooks/${org}/configs/other-event`, { url: receiver.url, eventNames: ['order.paid'] });
  await stack.api('PUT', `/webhooks/${org}/configs/off`, { url: receiver.url, eventNames: ['order.created'], enabled: false });
  await stack.api('PUT', `/webhooks/${uniqueOrg()}/configs/other-org`, { url: receiver.url, eventNames: ['order.created'] });

  const answer = await publish(stack, org);
  expect(answer.deliveries.map((d) => d.configId).sort()).toEqual(['all', 'exact']);
  for (const d of answer.deliveries) {
    expect(d.workflowId).toBe(`delivery-${d.deliveryId}`);
    await waitForStatus(stack, org, d.deliveryId, 'delivered');
  }
  expect(receiver.requests).toHaveLength(2);
  const event = await stack.api<{ deliveries: { configId: string; status: string }[] }>('GET', `/webhooks/${org}/events/${answer.eventId}`);
  expect(event.body.deliveries.map((d) => [d.configId, d.status])).toEqual([['all', 'delivered'], ['exact', 'delivered']]);
});

test('the workflow input is a claim check: ids only, never the payload', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const marker = 'payload-marker-7f3a';
  const { deliveries } = await publish(stack, org, { marker });
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  const history = await stack.client.workflow.getHandle(deliveries[0].workflowId).fetchHistory();
  const input = history.events?.[0].workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data;
  const decoded = JSON.parse(Buffer.from(input as Uint8Array).toString('utf8'));
  expect(Object.keys(decoded).sort()).toEqual(['configId', 'deadLetterRetentionMs', 'deliveryId', 'eventId', 'eventName', 'firstAttemptLocal', 'orgId', 'retry']);
  // The history as the server keeps it, every payload's data in raw bytes: inputs, results, signals.
  const stored = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  // The search does look inside payloads: it finds the delivery id the workflow input carries.
  expect(stored.includes(`"deliveryId":"${deliveries[0].deliveryId}"`)).toBe(true);
  expect(stored.includes(marker)).toBe(false);
});

test('no matching config: 202 with no deliveries, and the event is still stored', async () => {
  const org = uniqueOrg();
  await stack.api('PUT', '/event-types/order.created', {});
  const response = await stack.api<PublishAnswer>('POST', '/events', { eventName: 'order.created', orgId: org, data: { a: 1 } });
  expect(response.status).toBe(202);
  expect(response.body.deliveries).toEqual([]);
  expect(await rowCounts(org)).toEqual({ events: 1, deliveries: 0 });
});

test('a repeated idempotency key answers the first response and starts nothing new', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const body = { eventName: 'order.created', data: { n: 1 }, idempotencyKey: 'order-1-created' };
  const first = await stack.api<PublishAnswer>('POST', `/webhooks/${org}/events`, body);
  const again = await Promise.all([
    stack.api<PublishAnswer>('POST', `/webhooks/${org}/events`, body),
    stack.api<PublishAnswer>('POST', '/events', { ...body, orgId: org }),
    stack.api<PublishAnswer>('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n: 1 } }, { 'idempotency-key': 'order-1-created' }),
  ]);
  for (const response of again) {
    expect(response.status).toBe(202);
    expect(response.body).toEqual(first.body);
  }
  await waitForStatus(stack, org, first.body.deliveries[0].deliveryId, 'delivered');
  expect(await rowCounts(org)).toEqual({ events: 1, deliveries: 1 });
  expect(receiver.requests).toHaveLength(1);

  // The same key in another org is another event.
  const otherOrg = uniqueOrg();
  const other = await stack.api<PublishAnswer>('POST', '/events', { ...body, orgId: otherOrg });
  expect(other.body.eventId).not.toBe(first.body.eventId);
});

test('a body over MAX_PAYLOAD_BYTES is 413 and writes nothing', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const response = await stack.api<{ status: number }>('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { blob: 'x'.repeat(70_000) } });
  expect(response.status).toBe(413);
  expect(response.headers.get('content-type')).toMatch(/problem\+json/);
  expect(await rowCounts(org)).toEqual({ events: 0, deliveries: 0 });
});

test('a disabled config gets nothing', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  await stack.api('PATCH', `/webhooks/${org}/configs/main`, { enabled: false });
  const answer = await publish(stack, org);
  expect(answer.deliveries).toEqual([]);
  await holdsFor(() => receiver.requests.length === 0, scaled(500), 'no request to the disabled config');
});

test('a config disabled while a delivery is retrying stops it as a dead letter with that reason', async () => {
  receiver.respond(respondWith(500));
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'retrying');
  await stack.api('PATCH', `/webhooks/${org}/configs/main`, { enabled: false });
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  const letters = await stack.api<{ items: { reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items[0].reason).toMatch(/disabled/);
});

test("another org's event, delivery and retry answer 404", async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { eventId, deliveries } = await publish(stack, org);
  const other = uniqueOrg();
  expect((await stack.api('GET', `/webhooks/${other}/events/${eventId}`)).status).toBe(404);
  expect((await stack.api('GET', `/webhooks/${other}/deliveries/${deliveries[0].deliveryId}`)).status).toBe(404);
  expect((await stack.api('POST', `/webhooks/${other}/deliveries/${deliveries[0].deliveryId}/retry`)).status).toBe(404);
  const list = await stack.api<{ items: unknown[] }>('GET', `/webhooks/${other}/deliveries`);
  expect(list.body.items).toEqual([]);
});

test('deliveries list filters by status, config and event name, with a cursor', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const published = [];
  for (let i = 0; i < 3; i++) published.push(await publish(stack, org, { i }));
  for (const p of published) await waitForStatus(stack, org, p.deliveries[0].deliveryId, 'delivered');

  const page1 = await stack.api<{ items: { deliveryId: string }[]; nextCursor: string }>('GET', `/webhooks/${org}/deliveries?limit=2&status=delivered&configId=main&eventName=order.created`);
  expect(page1.body.items).toHaveLength(2);
  const page2 = await stack.api<{ items: { deliveryId: string }[]; nextCursor: string | null }>('GET', `/webhooks/${org}/deliveries?limit=2&cursor=${page1.body.nextCursor}`);
  expect(page2.body.items).toHaveLength(1);
  expect(page2.body.nextCursor).toBeNull();
  const seen = [...page1.body.items, ...page2.body.items].map((d) => d.deliveryId);
  expect(seen).toEqual(published.map((p) => p.deliveries[0].deliveryId).reverse());

  expect((await stack.api<{ items: unknown[] }>('GET', `/webhooks/${org}/deliveries?status=dead_lettered`)).body.items).toEqual([]);
  const badStatus = await stack.api<{ field: string }>('GET', `/webhooks/${org}/deliveries?status=lost`);
  expect(badStatus.status).toBe(422);
  expect(badStatus.body.field).toBe('query.status');
  const badCursor = await stack.api<{ field: string }>('GET', `/webhooks/${org}/deliveries?cursor=garbage`);
  expect(badCursor.status).toBe(422);
  expect(badCursor.body.field).toBe('query.cursor');
});

describe('publish validation: 422 per field, nothing written', () => {
  test.each([
    ['eventName missing', { orgId: 'acme-x', data: {} }, 'eventName'],
    ['eventName malformed', { eventName: 'Bad Name', orgId: 'acme-x', data: {} }, 'eventName'],
    ['orgId malformed', { eventName: 'order.created', orgId: 'acme x', data: {} }, 'orgId'],
    ['data missing', { eventName: 'order.created', orgId: 'acme-x' }, 'data'],
    ['data not an object', { eventName: 'order.created', orgId: 'acme-x', data: [1, 2] }, 'data'],
    ['idempotencyKey empty', { eventName: 'order.created', orgId: 'acme-x', data: {}, idempotencyKey: '' }, 'idempotencyKey'],
    ['unknown field', { eventName: 'order.created', orgId: 'acme-x', data: {}, extra: true }, 'extra'],
  ])('%s', async (_name, body, field) => {
    await stack.api('PUT', '/event-types/order.created', {});
    const response = await stack.api<{ errors: { field: string }[] }>('POST', '/events', body);
    expect(response.status).toBe(422);
    expect(response.body.errors.map((e) => e.field)).toContain(field);
    expect(await rowCounts('acme-x')).toEqual({ events: 0, deliveries: 0 });
  });
});
