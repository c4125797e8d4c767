/**
 * POST /webhooks/{orgId}/configs/{configId}/test: one signed POST now, through the delivery path,
 * kept as a delivery marked `test`, never retried and not counted toward the config's health.
 */
import { Webhook } from 'standardwebhooks';
import { listUnstartedDeliveries } from '../src/db/deliveries';
import { useApi, useDatabase, useReceivers } from './helpers/fixtures';
import { type Receiver, respondWith } from './helpers/receiver';
import { getDelivery, holdsFor, subscribe, uniqueOrg } from './helpers/scenario';
import { startApi } from './helpers/stack';

interface TestSendAnswer {
  deliveryId: string;
  eventId: string;
  eventName: string;
  test: boolean;
  status: string;
  attempt: { attempt: number; statusCode: number | null; durationMs: number; error: string | null; errorMessage: string | null; responseBody: string | null };
}

async function receiver(status: number, body = ''): Promise<Receiver> {
  const started = await newReceiver(respondWith(status, { 'content-type': 'text/plain' }, body));
  return started;
}

const db = useDatabase('test-sends');
/** Starts a receiver that stays up until the file's tests are done. */
const newReceiver = useReceivers();
// One failed attempt would open the circuit, were a test send counted.
// Every answer is checked against docs/openapi.json.
const api = useApi(db, { CIRCUIT_BREAKER_THRESHOLD: '1' }, { checked: true });

test('a test send to a 2xx receiver is signed, answered with the attempt and kept as a test delivery', async () => {
  const ok = await receiver(200, 'x'.repeat(5000));
  const org = uniqueOrg();
  const secret = await subscribe(api, org, ok.url);

  const answer = await api.api<TestSendAnswer>('POST', `/webhooks/${org}/configs/main/test`);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ eventName: 'webhook.test', test: true, status: 'delivered' });
  expect(answer.body.attempt).toMatchObject({ attempt: 1, statusCode: 200, error: null, errorMessage: null });
  expect(answer.body.attempt.responseBody).toHaveLength(4096);
  expect(answer.body.attempt.durationMs).toBeGreaterThanOrEqual(0);

  expect(ok.requests).toHaveLength(1);
  const [request] = ok.requests;
  expect(request.headers['webhook-id']).toBe(answer.body.deliveryId);
  const payload = new Webhook(secret).verify(request.body, request.headers as Record<string, string>) as { type: string; eventId: string };
  expect(payload).toMatchObject({ type: 'webhook.test', eventId: answer.body.eventId });

  const delivery = await getDelivery(api, org, answer.body.deliveryId);
  expect(delivery).toMatchObject({ status: 'delivered', test: true, workflowId: null, temporalUiUrl: null, attemptCount: 1 });
  expect(delivery.attempts).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null })]);

  // No workflow is ever started for it: the reconciler does not see it as a delivery left unstarted.
  const unstarted = await listUnstartedDeliveries(db.pool, 0, 1000);
  expect(unstarted.map((row) => row.delivery_id)).not.toContain(answer.body.deliveryId);
});

test('a named event type is sent with the first example of its JSON Schema, or the data given', async () => {
  const ok = await receiver(204);
  const org = uniqueOrg();
  const schema = { type: 'object', required: ['orderId'], examples: [{ orderId: 'o-example', total: 12 }] };
  await subscribe(api, org, ok.url, { eventName: 'order.shipped' });
  expect((await api.api('PUT', '/event-types/order.shipped', { schema })).status).toBe(200);

  const sample = await api.api<TestSendAnswer>('POST', `/webhooks/${org}/configs/main/test`, { eventName: 'order.shipped' });
  expect(sample.status).toBe(200);
  expect(JSON.parse(ok.requests[0].body)).toMatchObject({ type: 'order.shipped', data: { orderId: 'o-example', total: 12 } });

  const given = await api.api<TestSendAnswer>('POST', `/webhooks/${org}/configs/main/test`, { eventName: 'order.shipped', data: { orderId: 'o-2' } });
  expect(given.body).toMatchObject({ status: 'delivered', attempt: { statusCode: 204 } });
  expect(JSON.parse(ok.requests[1].body)).toMatchObject({ data: { orderId: 'o-2' } });

  const refused = await api.api('POST', `/webhooks/${org}/configs/main/test`, { eventName: 'order.shipped', data: { total: 1 } });
  expect(refused.status).toBe(422);
  expect(refused.body).toMatchObject({ field: 'data' });
  const unknown = await api.api('POST', `/webhooks/${org}/configs/main/test`, { eventName: 'no.such.type' });
  expect(unknown.status).toBe(422);
  expect(unknown.body).toMatchObject({ field: 'eventName' });
  expect(ok.requests).toHaveLength(2);
});

test('a test send to a failing receiver is answered with its status, never retried, and leaves the health as it was', async () => {
  const failing = await receiver(500, 'broken');
  const org = uniqueOrg();
  await subscribe(api, org, failing.url);

  const answer = await api.api<TestSendAnswer>('POST', `/webhooks/${org}/configs/main/test`);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ test: true, status: 'failed' });
  expect(answer.body.attempt).toMatchObject({ statusCode: 500, error: 'http_status', errorMessage: 'HTTP 500', responseBody: 'broken' });

  await holdsFor(() => failing.requests.length === 1, 1500, 'one request only');
  const delivery = await getDelivery(api, org, answer.body.deliveryId);
  expect(delivery).toMatchObject({ status: 'failed', test: true, attemptCount: 1, nextAttemptAt: null });

  const config = await api.api<{ health: Record<string, unknown> }>('GET', `/webhooks/${org}/configs/main`);
  expect(config.body.health).toEqual({
    consecutiveFailures: 0,
    consecutiveDeadLetters: 0,
    failingSince: null,
    lastSuccessAt: null,
    lastFailureAt: null,
    circuit: 'closed',
    circuitOpenUntil: null,
  });

  const retry = await api.api('POST', `/webhooks/${org}/deliveries/${answer.body.deliveryId}/retry`);
  expect(retry.status).toBe(409);
  expect(failing.requests).toHaveLength(1);
});

test('a destination that resolves to a blocked address is refused on connect and reported as blocked', async () => {
  const target = await receiver(200);
  const org = uniqueOrg();
  // Stored through an API that allows loopback; tested through one that opens no private range.
  await subscribe(api, org, `http://localhost:${target.port}/hook`);
  const strict = await startApi(db, { ALLOWED_PRIVATE_CIDRS: '' });
  try {
    const answer = await strict.api<TestSendAnswer>('POST', `/webhooks/${org}/configs/main/test`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'failed', attempt: { statusCode: null, error: 'destination_blocked', responseBody: null } });
    expect(answer.body.attempt.errorMessage).toContain('blocked');
  } finally {
    await strict.stop();
  }
  expect(target.requests).toHaveLength(0);
});

test('a test send to an unknown config answers 404 and sends nothing', async () => {
  const org = uniqueOrg();
  const answer = await api.api('POST', `/webhooks/${org}/configs/nope/test`, {});
  expect(answer.status).toBe(404);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  const bad = await api.api('POST', `/webhooks/${org}/configs/nope/test`, { extra: 1 });
  expect(bad.status).toBe(422);
});
