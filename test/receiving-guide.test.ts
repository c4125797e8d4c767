/** The receiving guide holds: real deliveries verify with the standardwebhooks and svix packages, also during a rotation, and carry the headers it lists. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import type { ReceivedRequest } from './helpers/receiver';
import { publish, subscribe, uniqueOrg } from './helpers/scenario';

const ROOT = resolve(__dirname, '..');
const guide = readFileSync(join(ROOT, 'docs', 'receiving.md'), 'utf8');

const db = useDatabase('receiving-guide');
const stack = useStack(db);
const receiver = useReceiver();

/** The headers as a receiver's framework hands them over: every one the request carried, lowercase. */
const headersOf = (request: ReceivedRequest): Record<string, string> =>
  Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]));

test('a real delivery verifies with the standardwebhooks package and with svix, and a changed body does not', async () => {
  const org = uniqueOrg();
  const secret = await subscribe(stack, org, receiver.url);
  const { eventId, deliveries } = await publish(stack, org, { orderId: 'o-7', total: 12.5 });
  const [request] = await receiver.waitForRequests(1);
  const headers = headersOf(request);
  expect(headers['webhook-id']).toBe(deliveries[0].deliveryId);

  const expected = { type: 'order.created', eventId, data: { orderId: 'o-7', total: 12.5 } };
  expect(new StandardWebhook(secret).verify(request.body, headers)).toMatchObject(expected);
  expect(new SvixWebhook(secret).verify(request.body, headers)).toMatchObject(expected);

  const changed = request.body.replace('o-7', 'o-8');
  expect(() => new StandardWebhook(secret).verify(changed, headers)).toThrow();
  expect(() => new SvixWebhook(secret).verify(changed, headers)).toThrow();
  const otherSecret = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
  expect(() => new SvixWebhook(otherSecret).verify(request.body, headers)).toThrow();
});

test('during a rotation both the old and the new secret verify, with either library', async () => {
  const org = uniqueOrg();
  const oldSecret = await subscribe(stack, org, receiver.url);
  const rotated = await stack.api<{ secret: string }>('POST', `/webhooks/${org}/configs/main/secret/rotate`);
  const before = receiver.requests.length;
  await publish(stack, org);
  const request = (await receiver.waitForRequests(before + 1))[before];
  const headers = headersOf(request);
  expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
  for (const secret of [oldSecret, rotated.body.secret]) {
    expect(new StandardWebhook(secret).verify(request.body, headers)).toMatchObject({ type: 'order.created' });
    expect(new SvixWebhook(secret).verify(request.body, headers)).toMatchObject({ type: 'order.created' });
  }
});

test("the guide's headers table names the headers a delivery carries, and each one it names is sent", async () => {
  const table = guide.slice(guide.indexOf('| Header |'), guide.indexOf('\n\n', guide.indexOf('| Header |')));
  const documented = [...table.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
  expect(documented).toEqual(expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature', 'user-agent', 'content-type']));
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const before = receiver.requests.length;
  await publish(stack, org);
  const request = (await receiver.waitForRequests(before + 1))[before];
  for (const name of documented) expect([name, request.headers[name]]).toEqual([name, expect.any(String)]);
  expect(request.headers['user-agent']).toMatch(/^temporal-webhooks\/\d+\.\d+\.\d+$/);
});

