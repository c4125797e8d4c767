/**
 * Log lines are pino JSON naming requestId, eventId, deliveryId, configId and orgId where known: the
 * request's id goes from the API through the workflow into the attempt's log lines.
 */
import { createLogger } from '../src/logger';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { textSink } from './helpers/log-sink';
import { eventually, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const lines: Record<string, unknown>[] = [];
const sink = textSink((text) => {
  for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
});

const db = useDatabase('log-fields');
const stack = useStack(db, { LOG_LEVEL: 'debug' }, { logger: (config) => createLogger(config, sink) });
const receiver = useReceiver();

test("the publishing request's id and the delivery's ids are on the API's and the attempt's log lines", async () => {
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url, { configId: 'orders' });
  const requestId = `req-${Date.now()}`;
  const published = await stack.api<{ eventId: string; deliveries: { deliveryId: string }[] }>(
    'POST',
    `/webhooks/${org}/events`,
    { eventName: 'order.created', data: { n: 1 } },
    { 'x-request-id': requestId },
  );
  expect(published.status).toBe(202);
  const { eventId } = published.body;
  const { deliveryId } = published.body.deliveries[0];
  await waitForStatus(stack, org, deliveryId, 'delivered');

  const attempt = await eventually(async () => lines.find((line) => line.msg === 'attempt' && line.deliveryId === deliveryId), 10_000, 'the attempt log line');
  expect(attempt).toMatchObject({ requestId, eventId, deliveryId, configId: 'orders', orgId: org, statusCode: 200, service: 'temporal-webhooks' });

  const request = lines.find((line) => line.msg === 'request' && line.requestId === requestId);
  expect(request).toMatchObject({ requestId, orgId: org, eventId, method: 'POST', status: 202 });

  // Another request's lines do not carry this one's fields.
  const other = await stack.api('GET', `/webhooks/${org}/configs/orders`, undefined, { 'x-request-id': 'req-other' });
  expect(other.status).toBe(200);
  const otherLine = lines.find((line) => line.msg === 'request' && line.requestId === 'req-other');
  expect(otherLine).toMatchObject({ orgId: org, configId: 'orders' });
  expect(otherLine).not.toHaveProperty('eventId');
});
