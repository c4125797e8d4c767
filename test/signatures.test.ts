/** Delivery signatures: the standardwebhooks package verifies a delivered request, a wrong secret does not, and both secrets sign during a rotation. */
import { Webhook } from 'standardwebhooks';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import type { ReceivedRequest } from './helpers/receiver';
import { publish, subscribe, uniqueOrg } from './helpers/scenario';

const db = useDatabase('signatures');
const stack = useStack(db);
const receiver = useReceiver(undefined, { scope: 'each' });

const headersOf = (request: ReceivedRequest) => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature']),
});

test('the standardwebhooks package verifies a delivered request unchanged', async () => {
  const org = uniqueOrg();
  const secret = await subscribe(stack, org, receiver.url, { body: { headers: { 'X-Team': 'payments' } } });
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  const { eventId, deliveries } = await publish(stack, org, { orderId: 'o-9', lines: [{ sku: 'a', qty: 2 }] });
  const [request] = await receiver.waitForRequests(1);

  const payload = new Webhook(secret).verify(request.body, headersOf(request));
  expect(payload).toMatchObject({ type: 'order.created', eventId, data: { orderId: 'o-9', lines: [{ sku: 'a', qty: 2 }] } });
  expect(request.headers['webhook-id']).toBe(deliveries[0].deliveryId);
  expect(request.headers['content-type']).toBe('application/json');
  expect(request.headers['user-agent']).toMatch(/^temporal-webhooks\/\d+\.\d+\.\d+$/);
  expect(request.headers['x-team']).toBe('payments');
  const event = await stack.api<{ createdAt: string }>('GET', `/webhooks/${org}/events/${eventId}`);
  expect((payload as { timestamp: string }).timestamp).toBe(event.body.createdAt);
  expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
});

test('a wrong secret does not verify', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  await publish(stack, org);
  const [request] = await receiver.waitForRequests(1);
  const other = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
  expect(() => new Webhook(other).verify(request.body, headersOf(request))).toThrow();
});

test('after a rotation both secrets sign: two v1 signatures that each verify', async () => {
  const org = uniqueOrg();
  const oldSecret = await subscribe(stack, org, receiver.url);
  const rotated = await stack.api<{ secret: string; previousSecretExpiresAt: string }>('POST', `/webhooks/${org}/configs/main/secret/rotate`);
  expect(rotated.status).toBe(200);
  const newSecret = rotated.body.secret;
  expect(newSecret).not.toBe(oldSecret);
  const overlap = Date.parse(rotated.body.previousSecretExpiresAt) - Date.now();
  expect(overlap).toBeGreaterThan(23.9 * 3600_000);

  await publish(stack, org);
  const [request] = await receiver.waitForRequests(1);
  const signatures = String(request.headers['webhook-signature']).split(' ');
  expect(signatures).toHaveLength(2);
  expect(signatures.every((s) => s.startsWith('v1,'))).toBe(true);
  expect(new Webhook(newSecret).verify(request.body, headersOf(request))).toBeTruthy();
  expect(new Webhook(oldSecret).verify(request.body, headersOf(request))).toBeTruthy();

  const shown = await stack.api('GET', `/webhooks/${org}/configs/main/secret`);
  expect(shown.body).toMatchObject({ secret: newSecret, previousSecret: oldSecret });
});
