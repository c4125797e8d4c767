/** The EventBridge PutEvents endpoint: events put through the AWS SDK are delivered, with its per-entry failures, SigV4 checks, errors and limits. */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { Webhook } from 'standardwebhooks';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { createResponseChecker } from './helpers/openapi';
import type { ReceivedRequest } from './helpers/receiver';
import { uniqueOrg, waitForStatus } from './helpers/scenario';

const checker = createResponseChecker();

const db = useDatabase('eventbridge-put-events');
const receiver = useReceiver();
// Every answer is checked against docs/openapi.json, those to the AWS SDK too (clientFor).
const stack = useStack(db, {}, { checked: true });
beforeAll(async () => {
  const type = await stack.api('PUT', '/event-types/order.created', {
    eventBus: 'orders',
    eventSource: 'com.example.shop',
    eventDetailType: 'Order Created',
    orgIdPath: 'account.orgId',
  });
  expect(type.status).toBe(201);
  expect(type.body).toMatchObject({ eventBus: 'orders', eventSource: 'com.example.shop', eventDetailType: 'Order Created', orgIdPath: 'account.orgId' });
});

interface SigV4Key {
  keyId: string;
  type: string;
  accessKeyId: string;
  secretAccessKey: string;
  scopes: string[];
}

async function createSigV4Key(scopes = ['publish']): Promise<SigV4Key> {
  const created = await stack.api<SigV4Key>('POST', '/api-keys', { type: 'aws-sigv4', scopes });
  expect(created.status).toBe(201);
  return created.body;
}

interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}
interface RequestHandler {
  handle(request: { method: string; path: string }, options?: unknown): Promise<{ response: WireResponse }>;
}

/** The SDK's own HTTP handler, with each answer read whole and checked against the document before the SDK parses it. */
function checkedHandler(inner: RequestHandler): RequestHandler {
  return Object.assign(Object.create(inner) as RequestHandler, {
    async handle(request: { method: string; path: string }, options?: unknown) {
      const result = await inner.handle(request, options);
      const chunks: Buffer[] = [];
      for await (const chunk of result.response.body as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      // The SDK calls the endpoint's path with the operation's `/` after it, which Express routes alike.
      checker.assert(request.method, request.path.replace(/(.)\/+$/, '$1'), { status: result.response.statusCode, headers: new Headers(result.response.headers), body: text ? (JSON.parse(text) as unknown) : null });
      result.response.body = new Uint8Array(raw);
      return result;
    },
  });
}

function clientFor(credentials: { accessKeyId: string; secretAccessKey: string }, extra: { systemClockOffset?: number; maxAttempts?: number } = {}) {
  const client = new EventBridgeClient({ endpoint: `${stack.baseUrl}/aws/events`, region: 'eu-west-1', credentials, maxAttempts: 1, ...extra });
  const config = client.config as unknown as { requestHandler: RequestHandler };
  config.requestHandler = checkedHandler(config.requestHandler);
  return client;
}

const entry = (orgId: string, detail: Record<string, unknown> = {}): PutEventsRequestEntry => ({
  EventBusName: 'orders',
  Source: 'com.example.shop',
  DetailType: 'Order Created',
  Detail: JSON.stringify({ account: { orgId }, orderId: 'o-1', ...detail }),
});

const headersOf = (request: ReceivedRequest) => ({
  'webhook-id': String(request.headers['webhook-id']),
  'webhook-timestamp': String(request.headers['webhook-timestamp']),
  'webhook-signature': String(request.headers['webhook-signature']),
});

test('the AWS SDK puts events; each becomes an event delivered and signed as usual, with its bus fields', async () => {
  const org = uniqueOrg();
  const config = await stack.api<{ secret: string }>('PUT', `/webhooks/${org}/configs/main`, { url: receiver.url, eventNames: ['order.created'] });
  expect(config.status).toBe(201);
  const key = await createSigV4Key();
  expect(key).toMatchObject({ type: 'aws-sigv4', scopes: ['publish'] });
  expect(key.accessKeyId).toMatch(/^[A-Z2-7]{20}$/);
  expect(key.secretAccessKey).toHaveLength(40);
  // The secret is shown once: the list shows the access key id only.
  const listed = await stack.api<{ items: Record<string, unknown>[] }>('GET', '/api-keys');
  const mine = listed.body.items.find((item) => item.keyId === key.keyId);
  expect(mine).toMatchObject({ type: 'aws-sigv4', accessKeyId: key.accessKeyId });
  expect(JSON.stringify(listed.body)).not.toContain(key.secretAccessKey);
  const { rows } = await db.pool.query<{ secret_sealed: string; key_hash: Buffer | null }>('SELECT secret_sealed, key_hash FROM api_keys WHERE key_id = $1', [key.keyId]);
  expect(rows[0].secret_sealed).toMatch(/^enc:v1:/);
  expect(rows[0].key_hash).toBeNull();

  const answer = await clientFor(key).send(
    new PutEventsCommand({
      Entries: [
        { ...entry(org, { total: 120 }), Resources: ['arn:aws:example:order/o-1'], Time: new Date('2026-11-27T10:00:00Z') },
        { ...entry(org, { total: 7 }), EventBusName: 'arn:aws:events:eu-west-1:123456789012:event-bus/orders' },
      ],
    }),
  );
  expect(answer.FailedEntryCount).toBe(0);
  expect(answer.Entries).toHaveLength(2);
  const eventIds = answer.Entries!.map((e) => e.EventId!);
  for (const id of eventIds) expect(id).toMatch(/^[0-9a-f-]{36}$/);

  const requests = await receiver.waitForRequests(2);
  const bodies = requests.map((request) => new Webhook(config.body.secret).verify(request.body, headersOf(request)) as Record<string, unknown>);
  const first = bodies.find((body) => body.eventId === eventIds[0]);
  expect(first).toMatchObject({
    type: 'order.created',
    eventId: eventIds[0],
    source: 'com.example.shop',
    detailType: 'Order Created',
    bus: 'orders',
    time: '2026-11-27T10:00:00.000Z',
    resources: ['arn:aws:example:order/o-1'],
    data: { account: { orgId: org }, orderId: 'o-1', total: 120 },
  });
  expect(Object.keys(first!)).toEqual(['type', 'eventId', 'timestamp', 'source', 'detailType', 'bus', 'time', 'resources', 'data']);
  // A bus given as its ARN is the same bus.
  expect(bodies.find((body) => body.eventId === eventIds[1])).toMatchObject({ bus: 'orders', data: { total: 7 } });

  // The same event as POST /events makes: readable through the org's API, with its deliveries.
  const event = await stack.api<{ orgId: string; eventName: string; envelope: Record<string, unknown>; deliveries: { deliveryId: string }[] }>(
    'GET',
    `/webhooks/${org}/events/${eventIds[0]}`,
  );
  expect(event.body).toMatchObject({ orgId: org, eventName: 'order.created', envelope: { source: 'com.example.shop', bus: 'orders' } });
  await waitForStatus(stack, org, event.body.deliveries[0].deliveryId, 'delivered');
});

test('per-entry failures: no matching definition, Detail not a JSON object, no org at orgIdPath; the good entry goes through', async () => {
  const org = uniqueOrg();
  const key = await createSigV4Key();
  const answer = await clientFor(key).send(
    new PutEventsCommand({
      Entries: [
        entry(org),
        { ...entry(org), DetailType: 'Order Shipped' },
        { ...entry(org), Detail: '[1, 2]' },
        { ...entry(org), Detail: '{"account": ' },
        { ...entry(org), Detail: JSON.stringify({ orgId: org }) },
        { ...entry(org), EventBusName: 'payments' },
      ],
    }),
  );
  expect(answer.FailedEntryCount).toBe(5);
  const [ok, unknownType, notObject, malformed, noOrg, otherBus] = answer.Entries!;
  expect(ok.EventId).toMatch(/^[0-9a-f-]{36}$/);
  expect(unknownType).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('DetailType "Order Shipped"') });
  expect(notObject).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: expect.stringContaining('JSON object') });
  expect(malformed).toEqual({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' });
  expect(noOrg).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('"account.orgId"') });
  expect(otherBus).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('EventBusName "payments"') });
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events WHERE org_id = $1', [org]);
  expect(rows[0].n).toBe(1);
});

test('an entry whose Detail its event type refuses (schema, payload limit) fails alone, as InvalidArgument', async () => {
  const org = uniqueOrg();
  const type = await stack.api('PUT', '/event-types/order.refunded', {
    eventBus: 'orders',
    eventSource: 'com.example.shop',
    eventDetailType: 'Order Refunded',
    schema: { type: 'object', required: ['refundId'] },
    maxPayloadBytes: 200,
  });
  expect(type.status).toBe(201);
  // This type names the org at the default orgIdPath, `orgId`.
  const refund = (detail: Record<string, unknown>): PutEventsRequestEntry => ({
    ...entry(org),
    DetailType: 'Order Refunded',
    Detail: JSON.stringify({ orgId: org, ...detail }),
  });
  const answer = await clientFor(await createSigV4Key()).send(
    new PutEventsCommand({ Entries: [refund({ refundId: 'r-1' }), refund({}), refund({ refundId: 'r-2', note: 'x'.repeat(300) })] }),
  );
  expect(answer.Entries![0]).toEqual({ EventId: expect.any(String) });
  expect(answer.FailedEntryCount).toBe(2);
  expect(answer.Entries![1]).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining("does not match the event type's schema") });
  expect(answer.Entries![2]).toEqual({ ErrorCode: 'InvalidArgument', ErrorMessage: expect.stringContaining('over the limit of 200 bytes') });
});

test('a key scoped to one org may put events of that org only', async () => {
  const org = uniqueOrg();
  const key = await createSigV4Key([`org:${org}`]);
  const answer = await clientFor(key).send(new PutEventsCommand({ Entries: [entry(org), entry(uniqueOrg())] }));
  expect(answer.FailedEntryCount).toBe(1);
  expect(answer.Entries![0].EventId).toBeDefined();
  expect(answer.Entries![1].ErrorCode).toBe('AccessDeniedException');
});

async function rejection(promise: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the request to be refused');
}

test('a wrong secret, an unknown or revoked key, and a stale date get EventBridge errors; only signed requests within the skew publish', async () => {
  const org = uniqueOrg();
  const key = await createSigV4Key();
  const command = () => new PutEventsCommand({ Entries: [entry(org)] });

  const wrongSecret = await rejection(clientFor({ accessKeyId: key.accessKeyId, secretAccessKey: 'x'.repeat(40) }).send(command()));
  expect(wrongSecret.name).toBe('InvalidSignatureException');
  expect(wrongSecret.message).toMatch(/signature we calculated does not match/);
  expect(wrongSecret.$metadata.httpStatusCode).toBe(400);

  const unknown = await rejection(clientFor({ accessKeyId: 'TWKAAAAAAAAAAAAAAAAA', secretAccessKey: key.secretAccessKey }).send(command()));
  expect(unknown.name).toBe('UnrecognizedClientException');

  // Ten minutes behind: outside the five minutes of skew a signature may have.
  const stale = await rejection(clientFor(key, { systemClockOffset: -10 * 60_000 }).send(command()));
  expect(stale.name).toBe('InvalidSignatureException');
  expect(stale.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  // Four minutes behind is within the skew.
  expect((await clientFor(key, { systemClockOffset: -4 * 60_000 }).send(command())).FailedEntryCount).toBe(0);
  // With its retries on, the SDK corrects its clock from the answer's Date header and signs again, as against AWS.
  expect((await clientFor(key, { systemClockOffset: -10 * 60_000, maxAttempts: 2 }).send(command())).FailedEntryCount).toBe(0);

  const revoked = await stack.api('DELETE', `/api-keys/${key.keyId}`);
  expect(revoked.status).toBe(204);
  expect((await rejection(clientFor(key).send(command()))).name).toBe('UnrecognizedClientException');

  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events WHERE org_id = $1', [org]);
  expect(rows[0].n).toBe(2);
});

test('the error shape on the wire: status, x-amzn-ErrorType and {__type, message}; a bearer key is no SigV4 credential', async () => {
  const response = await fetch(`${stack.baseUrl}/aws/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents', authorization: `Bearer ${'k'.repeat(40)}` },
    body: JSON.stringify({ Entries: [] }),
  });
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toMatch(/^application\/x-amz-json-1\.1/);
  expect(response.headers.get('x-amzn-errortype')).toBe('IncompleteSignatureException');
  const body: unknown = await response.json();
  expect(body).toEqual({ __type: 'IncompleteSignatureException', message: expect.any(String) });
  checker.assert('POST', '/aws/events', { status: response.status, headers: response.headers, body });

  const unsigned = await fetch(`${stack.baseUrl}/aws/events`, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  expect(unsigned.status).toBe(403);
  const refused: unknown = await unsigned.json();
  expect(refused).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' });
  checker.assert('POST', '/aws/events', { status: unsigned.status, headers: unsigned.headers, body: refused });
});

test('limits: at most 10 entries and 256 KiB per request', async () => {
  const org = uniqueOrg();
  const key = await createSigV4Key();
  const eleven = await rejection(clientFor(key).send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry(org)) })));
  expect(eleven.name).toBe('ValidationException');
  expect(eleven.message).toMatch(/less than or equal to 10/);

  const large = await rejection(clientFor(key).send(new PutEventsCommand({ Entries: [entry(org, { blob: 'x'.repeat(270 * 1024) })] })));
  expect(large.name).toBe('ValidationException');
  expect(large.message).toBe('Total size of the entries in the request is over the limit.');

  const ten = await clientFor(key).send(new PutEventsCommand({ Entries: Array.from({ length: 10 }, () => entry(org)) }));
  expect(ten.FailedEntryCount).toBe(0);
});

test('event definitions: the triple is unique, given whole or not at all', async () => {
  const taken = await stack.api<{ status: number; detail: string }>('PUT', '/event-types/order.copied', {
    eventBus: 'orders',
    eventSource: 'com.example.shop',
    eventDetailType: 'Order Created',
  });
  expect(taken.status).toBe(409);
  expect(taken.body.detail).toContain('"order.created"');
  const partial = await stack.api<{ status: number; field: string }>('PUT', '/event-types/order.partial', { eventBus: 'orders' });
  expect(partial.status).toBe(422);
  expect(partial.body.field).toBe('eventSource');
  const badPath = await stack.api<{ field: string }>('PUT', '/event-types/order.partial', { orgIdPath: 'a..b' });
  expect(badPath.body.field).toBe('orgIdPath');
  const plain = await stack.api('PUT', '/event-types/order.plain', {});
  expect(plain.body).toMatchObject({ eventBus: null, eventSource: null, eventDetailType: null, orgIdPath: 'orgId' });
  const admin = await stack.api<{ field: string }>('POST', '/api-keys', { type: 'aws-sigv4', scopes: ['admin'] });
  expect(admin.status).toBe(422);
  expect(admin.body.field).toBe('scopes[0]');
});
