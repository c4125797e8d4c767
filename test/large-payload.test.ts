/** Large payloads: a 10 MiB event is delivered whole and kept out of Temporal history, and one byte over the limit is refused. */
import { temporal } from '@temporalio/proto';
import { Webhook } from 'standardwebhooks';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { type PublishAnswer, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const TEN_MIB = 10 * 1024 * 1024;

const db = useDatabase('large-payload');
const receiver = useReceiver();
const stack = useStack(db, { MAX_PAYLOAD_BYTES: String(TEN_MIB) });

/** `{"blob":"xxx…"}` of exactly `bytes` bytes of JSON. */
const dataOf = (bytes: number) => ({ blob: 'x'.repeat(bytes - '{"blob":""}'.length) });

test('a 10 MiB event is delivered whole and its signature verifies; the payload stays out of Temporal history', async () => {
  const org = uniqueOrg();
  const secret = await subscribe(stack, org, receiver.url, { eventName: 'archive.exported', body: { timeoutMs: 30_000 } });
  const type = await stack.api('PUT', '/event-types/archive.exported', { maxPayloadBytes: TEN_MIB });
  expect(type.body.maxPayloadBytes).toBe(TEN_MIB);
  const data = dataOf(TEN_MIB);
  expect(Buffer.byteLength(JSON.stringify(data))).toBe(TEN_MIB);

  const published = await stack.api<PublishAnswer>('POST', `/webhooks/${org}/events`, { eventName: 'archive.exported', data });
  expect(published.status).toBe(202);
  const [delivery] = published.body.deliveries;
  await waitForStatus(stack, org, delivery.deliveryId, 'delivered', 60_000);

  const [request] = await receiver.waitForRequests(1);
  const verified = new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as { data: { blob: string } };
  expect(verified.data.blob.length).toBe(data.blob.length);
  expect(verified.data.blob === data.blob).toBe(true);

  // The workflow carried ids only: its whole history is a few KiB, with no run of the payload in it.
  const history = await stack.client.workflow.getHandle(delivery.workflowId).fetchHistory();
  const stored = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  expect(stored.length).toBeLessThan(64 * 1024);
  expect(stored.includes('x'.repeat(64))).toBe(false);
});

test('one byte over the limit is 413 naming data; a type may lower the limit, never raise it', async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { eventName: 'archive.exported' });
  const over = await stack.api<{ status: number; field: string; detail: string }>('POST', `/webhooks/${org}/events`, {
    eventName: 'archive.exported',
    data: dataOf(TEN_MIB + 1),
  });
  expect(over.status).toBe(413);
  expect(over.body.field).toBe('data');
  expect(over.body.detail).toBe(`data is ${TEN_MIB + 1} bytes of JSON, over the limit of ${TEN_MIB} bytes`);

  await subscribe(stack, org, receiver.url, { eventName: 'note.added', configId: 'notes' });
  const lowered = await stack.api('PUT', '/event-types/note.added', { maxPayloadBytes: 1024 });
  expect(lowered.status).toBe(200);
  const small = await stack.api<{ field: string; detail: string }>('POST', `/webhooks/${org}/events`, { eventName: 'note.added', data: dataOf(1025) });
  expect(small.status).toBe(413);
  expect(small.body.detail).toMatch(/over the limit of 1024 bytes/);
  expect((await stack.api('POST', `/webhooks/${org}/events`, { eventName: 'note.added', data: dataOf(1024) })).status).toBe(202);

  const raised = await stack.api<{ field: string }>('PUT', '/event-types/note.added', { maxPayloadBytes: TEN_MIB + 1 });
  expect(raised.status).toBe(422);
  expect(raised.body.field).toBe('maxPayloadBytes');
  const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM events WHERE org_id = $1', [org]);
  expect(rows[0].n).toBe(1);
});
