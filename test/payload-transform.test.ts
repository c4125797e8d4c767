/** Payload transforms on configs: the transformed body is what is sent and signed, and bad or failing transforms are refused or dead-lettered. */
import { Webhook } from 'standardwebhooks';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { eventually, holdsFor, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('payload-transform');
// Every answer is checked against docs/openapi.json.
const stack = useStack(db, {}, { checked: true });
const receiver = useReceiver();

const TRANSFORM = '{"kind": type, "order": data.orderId, "total": $sum(data.lines.price), "org": orgId, "id": eventId}';

test('the transform result is the body sent, and the signature covers that body', async () => {
  const org = uniqueOrg();
  const secret = await subscribe(stack, org, receiver.url, { body: { transform: TRANSFORM } });
  const before = receiver.requests.length;
  const { eventId, deliveries } = await publish(stack, org, { orderId: 'o-7', lines: [{ price: 5 }, { price: 7.5 }] });
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
  const request = receiver.requests.slice(before).find((r) => r.headers['webhook-id'] === deliveries[0].deliveryId);
  expect(request).toBeDefined();
  expect(JSON.parse(request!.body)).toEqual({ kind: 'order.created', order: 'o-7', total: 12.5, org, id: eventId });
  expect(() => new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).not.toThrow();

  const config = await stack.api('GET', `/webhooks/${org}/configs/main`);
  expect(config.body.transform).toBe(TRANSFORM);
});

test('PATCH sets and removes a transform; without one the standard body is sent again', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const bad = await stack.api<{ field: string }>('PATCH', `/webhooks/${org}/configs/main`, { transform: '$$$(' });
  expect(bad.status).toBe(422);
  expect(bad.body.field).toBe('transform');
  const set = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { transform: { preset: 'slack' } });
  expect(set.body.transform).toEqual({ preset: 'slack' });
  const slack = (await publish(stack, org, { orderId: 'o-2' })).deliveries[0].deliveryId;
  await waitForStatus(stack, org, slack, 'delivered');
  const slackBody = JSON.parse(receiver.requests.find((r) => r.headers['webhook-id'] === slack)!.body) as { text: string; blocks: unknown[] };
  expect(slackBody.text).toContain('order.created');
  expect(slackBody.blocks).toHaveLength(3);

  const cleared = await stack.api('PATCH', `/webhooks/${org}/configs/main`, { transform: null });
  expect(cleared.body.transform).toBeNull();
  const plain = await publish(stack, org, { orderId: 'o-3' });
  await waitForStatus(stack, org, plain.deliveries[0].deliveryId, 'delivered');
  const plainBody = JSON.parse(receiver.requests.find((r) => r.headers['webhook-id'] === plain.deliveries[0].deliveryId)!.body) as Record<string, unknown>;
  expect(plainBody).toEqual({ type: 'order.created', eventId: plain.eventId, timestamp: expect.any(String), data: { orderId: 'o-3' } });
});

test('a transform that does not compile is refused with 422 naming its position', async () => {
  const org = uniqueOrg();
  await stack.api('PUT', '/event-types/order.created', {});
  const put = await stack.api<{ field: string; detail: string }>('PUT', `/webhooks/${org}/configs/bad`, {
    url: receiver.url,
    eventNames: ['order.created'],
    transform: '{"a": data.(x}',
  });
  expect(put.status).toBe(422);
  expect(put.body.field).toBe('transform');
  expect(put.body.detail).toMatch(/position \d+/);
  const preset = await stack.api<{ field: string }>('PUT', `/webhooks/${org}/configs/bad`, {
    url: receiver.url,
    eventNames: ['order.created'],
    transform: { preset: 'discord' },
  });
  expect(preset.status).toBe(422);
  expect(preset.body.field).toMatch(/^transform/);
});

test('a transform failing for an event sends nothing and dead-letters the delivery with the reason', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { transform: 'data.amount > 0 ? data : $error("amount must be positive")' } });
  const { deliveries } = await publish(stack, org, { amount: -1 });
  const deliveryId = deliveries[0].deliveryId;
  const dead = await waitForStatus(stack, org, deliveryId, 'dead_lettered');
  expect(dead.attempts).toHaveLength(0);
  const letters = await stack.api<{ items: { deliveryId: string; reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  const letter = letters.body.items.find((item) => item.deliveryId === deliveryId);
  expect(letter?.reason).toMatch(/^TransformFailed: transform failed.*amount must be positive/);
  await holdsFor(() => !receiver.requests.some((r) => r.headers['webhook-id'] === deliveryId), 300, 'no request for the failed transform');
});

test('a transform producing nothing for an event is a failure too', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { body: { transform: 'data.missing' } });
  const { deliveries } = await publish(stack, org, { present: true });
  await eventually(async () => {
    const letters = await stack.api<{ items: { deliveryId: string; reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
    return letters.body.items.find((item) => item.deliveryId === deliveries[0].deliveryId && /no value/.test(item.reason));
  }, 20_000, 'the dead letter of a transform without a value');
});

test('POST /transforms/test answers the body that would be sent', async () => {
  const answer = await stack.api<{ body: unknown }>('POST', '/transforms/test', {
    transform: TRANSFORM,
    event: { type: 'order.created', eventId: 'e-1', orgId: 'acme', data: { orderId: 'o-1', lines: [{ price: 1 }, { price: 2 }] } },
  });
  expect(answer.status).toBe(200);
  expect(answer.body.body).toEqual({ kind: 'order.created', order: 'o-1', total: 3, org: 'acme', id: 'e-1' });

  const failing = await stack.api<{ field: string; detail: string }>('POST', '/transforms/test', {
    transform: '$error("nope")',
    event: { type: 'order.created', data: {} },
  });
  expect(failing.status).toBe(422);
  expect(failing.body.field).toBe('transform');
  expect(failing.body.detail).toMatch(/nope/);

  const slow = await stack.api<{ detail: string }>('POST', '/transforms/test', {
    transform: '($f := function($n) { $f($n + 1) }; $f(0))',
    event: { type: 'order.created', data: {} },
  });
  expect(slow.status).toBe(422);
  expect(slow.body.detail).toMatch(/timeout|stack/i);

  const huge = await stack.api<{ detail: string }>('POST', '/transforms/test', {
    transform: '$pad("", 1100000, "x")',
    event: { type: 'order.created', data: {} },
  });
  expect(huge.status).toBe(422);
  expect(huge.body.detail).toMatch(/more than \d+ bytes/);
});
