/** Event types over the REST API: creating, replacing, reading and archiving them, and publishing checked against their JSON Schema. */
import { useDatabase, useStack } from './helpers/fixtures';
import { uniqueOrg } from './helpers/scenario';

const db = useDatabase('event-types-api');
const stack = useStack(db, {}, { checked: true });

const schema = {
  type: 'object',
  required: ['orderId', 'total'],
  properties: { orderId: { type: 'string' }, total: { type: 'number', minimum: 0 } },
};

test('PUT creates (201) then replaces (200); GET reads one and all', async () => {
  const created = await stack.api('PUT', '/event-types/customer_request.created', { description: 'A customer opened a request' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ eventName: 'customer_request.created', description: 'A customer opened a request', schema: null, archived: false });
  const replaced = await stack.api('PUT', '/event-types/customer_request.created', { description: 'v2', schema });
  expect(replaced.status).toBe(200);
  expect(replaced.body).toMatchObject({ description: 'v2', schema });
  expect((await stack.api('GET', '/event-types/customer_request.created')).body).toMatchObject({ description: 'v2' });
  const all = await stack.api<{ items: { eventName: string }[] }>('GET', '/event-types');
  expect(all.body.items.map((t) => t.eventName)).toContain('customer_request.created');
  expect((await stack.api('GET', '/event-types/never.registered')).status).toBe(404);
});

test('publishing data that violates the schema is 422 naming the data field; valid data is accepted', async () => {
  await stack.api('PUT', '/event-types/order.placed', { schema });
  const org = uniqueOrg();
  const bad = await stack.api<{ field: string }>('POST', '/events', { eventName: 'order.placed', orgId: org, data: { orderId: 'o1', total: -5 } });
  expect(bad.status).toBe(422);
  expect(bad.body.field).toBe('data.total');
  const missing = await stack.api<{ field: string }>('POST', '/events', { eventName: 'order.placed', orgId: org, data: { total: 5 } });
  expect(missing.status).toBe(422);
  const good = await stack.api('POST', '/events', { eventName: 'order.placed', orgId: org, data: { orderId: 'o1', total: 5 } });
  expect(good.status).toBe(202);
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events WHERE org_id = $1', [org]);
  expect(rows[0].n).toBe(1);
});

test('an invalid JSON Schema is refused with 422 on the schema field', async () => {
  const response = await stack.api<{ field: string }>('PUT', '/event-types/bad.schema', { schema: { type: 'no-such-type' } });
  expect(response.status).toBe(422);
  expect(response.body.field).toBe('schema');
  expect((await stack.api('GET', '/event-types/bad.schema')).status).toBe(404);
});

test('DELETE archives: publishing an archived or unknown name is 422; PUT brings it back', async () => {
  await stack.api('PUT', '/event-types/shipment.sent', {});
  const archived = await stack.api('DELETE', '/event-types/shipment.sent');
  expect(archived.status).toBe(200);
  expect(archived.body).toMatchObject({ archived: true });
  const listed = await stack.api<{ items: { eventName: string }[] }>('GET', '/event-types');
  expect(listed.body.items.map((t) => t.eventName)).not.toContain('shipment.sent');
  const withArchived = await stack.api<{ items: { eventName: string }[] }>('GET', '/event-types?includeArchived=true');
  expect(withArchived.body.items.map((t) => t.eventName)).toContain('shipment.sent');

  const org = uniqueOrg();
  for (const eventName of ['shipment.sent', 'never.registered']) {
    const response = await stack.api<{ field: string }>('POST', '/events', { eventName, orgId: org, data: {} });
    expect(response.status).toBe(422);
    expect(response.body.field).toBe('eventName');
  }
  expect((await stack.api('PUT', '/event-types/shipment.sent', {})).body).toMatchObject({ archived: false });
  expect((await stack.api('POST', '/events', { eventName: 'shipment.sent', orgId: org, data: {} })).status).toBe(202);
});

test.each([
  ['uppercase', 'Order.Created'],
  ['space', 'order%20created'],
  ['too long', 'a'.repeat(129)],
])('a badly formed event name (%s) is 422 on path.eventName', async (_name, eventName) => {
  const response = await stack.api<{ field: string }>('PUT', `/event-types/${eventName}`, {});
  expect(response.status).toBe(422);
  expect(response.body.field).toBe('path.eventName');
});
