/** Event filters on configs: a config whose filter does not match gets no delivery, bad patterns are refused, and POST /filters/test tries one. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { holdsFor, type PublishAnswer, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { scaled } from './setup/test-env';

const db = useDatabase('event-filters');
const receiver = useReceiver();
// Every answer is checked against docs/openapi.json.
const stack = useStack(db, {}, { checked: true });

const BIG_ORDERS = { data: { order: { total: [{ numeric: ['>', 100] }] } } };

interface EventAnswer {
  deliveries: { configId: string; status: string }[];
  filteredConfigs: { configId: string; reason: string }[];
}

test('a config whose filter does not match gets no delivery, and the event lists it with the reason', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, `${receiver.url}?config=big`, { configId: 'big', body: { filter: BIG_ORDERS } });
  await subscribe(stack, org, `${receiver.url}?config=all`, { configId: 'all' });
  const config = await stack.api('GET', `/webhooks/${org}/configs/big`);
  expect(config.body.filter).toEqual(BIG_ORDERS);

  const large = await publish(stack, org, { order: { total: 150 } });
  expect(large.deliveries.map((d) => d.configId).sort()).toEqual(['all', 'big']);
  const small = await publish(stack, org, { order: { total: 50 } });
  expect(small.deliveries.map((d) => d.configId)).toEqual(['all']);
  const missing = await publish(stack, org, { order: {} });
  expect(missing.deliveries.map((d) => d.configId)).toEqual(['all']);

  for (const answer of [large, small, missing]) {
    for (const d of answer.deliveries) await waitForStatus(stack, org, d.deliveryId, 'delivered');
  }
  await holdsFor(() => receiver.requests.filter((r) => r.path.endsWith('config=big')).length === 1, scaled(300), 'one request to the filtered config');
  const toBig = receiver.requests.filter((r) => r.path.endsWith('config=big')).map((r) => JSON.parse(r.body).eventId);
  expect(toBig).toEqual([large.eventId]);

  const smallEvent = await stack.api<EventAnswer>('GET', `/webhooks/${org}/events/${small.eventId}`);
  expect(smallEvent.body.deliveries.map((d) => d.configId)).toEqual(['all']);
  expect(smallEvent.body.filteredConfigs).toEqual([{ configId: 'big', reason: 'data.order.total: 50 does not match [{"numeric":[">",100]}]' }]);
  const missingEvent = await stack.api<EventAnswer>('GET', `/webhooks/${org}/events/${missing.eventId}`);
  expect(missingEvent.body.filteredConfigs).toEqual([{ configId: 'big', reason: expect.stringMatching(/^data\.order\.total is missing/) }]);
  const largeEvent = await stack.api<EventAnswer>('GET', `/webhooks/${org}/events/${large.eventId}`);
  expect(largeEvent.body.filteredConfigs).toEqual([]);
});

test('filters see the envelope too (type, orgId), and PATCH {"filter": null} removes one', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { filter: { type: [{ prefix: 'invoice.' }], orgId: [org] } } });
  const skipped = await publish(stack, org);
  expect(skipped.deliveries).toEqual([]);
  const removed = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { filter: null });
  expect(removed.status).toBe(200);
  expect(removed.body.filter).toBeNull();
  expect((await publish(stack, org)).deliveries).toHaveLength(1);
  const set = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { filter: { type: ['order.created'] } });
  expect(set.body.filter).toEqual({ type: ['order.created'] });
  expect((await publish(stack, org)).deliveries).toHaveLength(1);
});

test('a bad pattern is 422 naming the path inside it, on PUT, PATCH and /filters/test', async () => {
  const org = uniqueOrg();
  await stack.api('PUT', '/event-types/order.created', {});
  const put = await stack.api<{ field: string; detail: string }>('PUT', `/webhooks/${org}/configs/bad`, {
    url: receiver.url,
    eventNames: ['order.created'],
    filter: { data: { order: { total: [{ numeric: ['>', 'a hundred'] }] } } },
  });
  expect(put.status).toBe(422);
  expect(put.body.field).toBe('filter.data.order.total[0].numeric');
  expect(put.body.detail).toMatch(/not a number/);

  await subscribe(stack, org, receiver.url);
  const patch = await stack.api<{ field: string }>('PATCH', `/webhooks/${org}/configs/main`, { filter: { data: { ip: [{ cidr: '10.0.0.0/40' }] } } });
  expect(patch.status).toBe(422);
  expect(patch.body.field).toBe('filter.data.ip[0].cidr');

  const deep: Record<string, unknown> = { leaf: ['x'] };
  let pattern = deep;
  for (let i = 0; i < 12; i += 1) pattern = { n: pattern };
  const tooDeep = await stack.api<{ field: string; detail: string }>('POST', '/filters/test', { filter: pattern, event: {} });
  expect(tooDeep.status).toBe(422);
  expect(tooDeep.body.detail).toMatch(/nested deeper than 10 levels/);
  const bare = await stack.api<{ field: string }>('POST', '/filters/test', { filter: { type: 'order.created' }, event: {} });
  expect(bare.body.field).toBe('filter.type');
});

test('POST /filters/test answers {matches, reason} without storing anything', async () => {
  const event = { type: 'order.created', data: { order: { total: 150, currency: 'EUR' } } };
  const yes = await stack.api('POST', '/filters/test', { filter: BIG_ORDERS, event });
  expect(yes.status).toBe(200);
  expect(yes.body).toEqual({ matches: true, reason: 'matched' });
  const no = await stack.api('POST', '/filters/test', {
    filter: { data: { order: { currency: [{ 'anything-but': ['EUR', 'USD'] }] } } },
    event,
  });
  expect(no.body).toEqual({ matches: false, reason: 'data.order.currency: "EUR" does not match [{"anything-but":["EUR","USD"]}]' });
  const noEvent = await stack.api<{ field: string }>('POST', '/filters/test', { filter: BIG_ORDERS });
  expect(noEvent.status).toBe(422);
  expect(noEvent.body.field).toBe('event');
});

test('a publish answer of an event that every config filtered out is 202 with no deliveries', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { filter: BIG_ORDERS } });
  const response = await stack.api<PublishAnswer>('POST', '/events', { eventName: 'order.created', orgId: org, data: { order: { total: 1 } } });
  expect(response.status).toBe(202);
  expect(response.body.deliveries).toEqual([]);
});
