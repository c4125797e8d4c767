/** Dead letters: a spent retry window makes one, retries through the API, in bulk and by Temporal signal deliver it, and an unretried one expires. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { statusQuery } from '../src/shared/temporal';
import { testEnv } from './setup/test-env';
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, getDelivery, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import type { Stack } from './helpers/stack';

const run = promisify(execFile);

const db = useDatabase('dead-letters');
const receiver = useReceiver(respondWith(503), { scope: 'each' });

/** Each describe below starts one stack with its retry settings; `stack` is the one of the running test's. */
let stack: Stack;
function withStack(env: Record<string, string>): void {
  const own = useStack(db, env, { checked: true });
  beforeEach(() => {
    stack = own;
  });
}

async function deadLetterOne(org: string): Promise<string> {
  const { deliveries } = await publish(stack, org);
  await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered', 20_000);
  return deliveries[0].deliveryId;
}

describe('with a 2 s window', () => {
  withStack({ DELIVERY_RETRY_WINDOW: '2s' });

  test('a spent window becomes a dead letter; the retry API delivers it once the receiver is healthy', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const deliveryId = await deadLetterOne(org);

    const listed = await stack.api<{ items: Record<string, unknown>[] }>('GET', `/webhooks/${org}/dead-letters`);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ deliveryId, configId: 'main', eventName: 'order.created', lastStatusCode: 503, reason: expect.stringContaining('retry window spent') }),
    ]);
    const record = listed.body.items[0];
    const retention = Date.parse(record.expiresAt as string) - Date.parse(record.createdAt as string);
    expect(retention).toBeGreaterThan(59 * 60_000); // DEAD_LETTER_RETENTION=1h in the test config
    expect(retention).toBeLessThan(61 * 60_000);

    const status = await stack.client.workflow.getHandle(`delivery-${deliveryId}`).query(statusQuery);
    expect(status).toMatchObject({ state: 'dead_lettered', lastStatusCode: 503 });
    // How many attempts fit the 2 s window depends on the machine's speed; the workflow counts each one.
    expect(status.attempts).toBeGreaterThanOrEqual(1);
    expect(status.attempts).toBe(receiver.requests.length);

    receiver.respond(respondWith(200));
    const before = receiver.requests.length;
    const retried = await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ deliveryId });
    const delivered = await waitForStatus(stack, org, deliveryId, 'delivered');
    expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200 });
    expect(receiver.requests.length).toBe(before + 1);
    expect(receiver.requests.at(-1)?.headers['webhook-id']).toBe(deliveryId);

    const after = await stack.api<{ items: unknown[] }>('GET', `/webhooks/${org}/dead-letters`);
    expect(after.body.items).toEqual([]);
    const { rows } = await db.pool.query('SELECT retried_at FROM dead_letters WHERE delivery_id = $1', [deliveryId]);
    expect(rows[0].retried_at).toBeInstanceOf(Date);
  });

  test('a retry of a delivered delivery starts a new delivery of the same event to the same config', async () => {
    receiver.respond(respondWith(200));
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const { deliveries, eventId } = await publish(stack, org);
    await waitForStatus(stack, org, deliveries[0].deliveryId, 'delivered');
    const again = await stack.api<{ deliveryId: string }>('POST', `/webhooks/${org}/deliveries/${deliveries[0].deliveryId}/retry`);
    expect(again.status).toBe(202);
    const second = await waitForStatus(stack, org, again.body.deliveryId, 'delivered');
    expect(second).toMatchObject({ eventId, configId: 'main' });
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([deliveries[0].deliveryId, again.body.deliveryId]);
  });
});

describe('with a long backoff', () => {
  withStack({ DELIVERY_RETRY_INITIAL_INTERVAL: '30s', DELIVERY_RETRY_MAX_INTERVAL: '30s', DELIVERY_RETRY_WINDOW: '1h' });

  test('a retry signal during backoff attempts at once instead of waiting', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const { deliveries } = await publish(stack, org);
    const { deliveryId } = deliveries[0];
    const waiting = await waitForStatus(stack, org, deliveryId, 'retrying');
    expect(Date.parse(waiting.nextAttemptAt as string)).toBeGreaterThan(Date.now() + 20_000);

    receiver.respond(respondWith(200));
    const asked = Date.now();
    expect((await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`)).status).toBe(202);
    await waitForStatus(stack, org, deliveryId, 'delivered', 10_000);
    expect(Date.now() - asked).toBeLessThan(10_000);
    await expect(stack.client.workflow.getHandle(`delivery-${deliveryId}`).result()).resolves.toMatchObject({ status: 'delivered' });
  });
});

describe('with a 1 s window', () => {
  withStack({ DELIVERY_RETRY_WINDOW: '1s' });

  test('bulk retry signals every matching dead letter and counts them', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    await stack.api('PUT', '/event-types/invoice.paid', {});
    await stack.api('PUT', `/webhooks/${org}/configs/billing`, { url: receiver.url, eventNames: ['invoice.paid'] });
    const orders = await Promise.all([publish(stack, org, { n: 1 }), publish(stack, org, { n: 2 })]);
    const invoice = await publish(stack, org, { n: 3 }, 'invoice.paid');
    for (const answer of [...orders, invoice]) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'dead_lettered', 20_000);

    receiver.respond(respondWith(200));
    const bulk = await stack.api('POST', `/webhooks/${org}/dead-letters/retry`, { eventName: 'order.created' });
    expect(bulk.status).toBe(202);
    expect(bulk.body).toMatchObject({ retried: 2 });
    for (const answer of orders) await waitForStatus(stack, org, answer.deliveries[0].deliveryId, 'delivered');
    expect((await getDelivery(stack, org, invoice.deliveries[0].deliveryId)).status).toBe('dead_lettered');

    const none = await stack.api('POST', `/webhooks/${org}/dead-letters/retry`, { configId: 'nope' });
    expect(none.body).toMatchObject({ retried: 0 });
  });

  test('`temporal workflow signal --name retry` works the same as the API', async () => {
    // Global setup runs the dev server from the Temporal CLI: without one, this fails rather than passes unexercised.
    const cli = testEnv('temporalCli');
    if (!cli) throw new Error('no Temporal CLI: install one (npm run setup) or set TEMPORAL_CLI_PATH');
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const deliveryId = await deadLetterOne(org);
    receiver.respond(respondWith(200));
    await run(cli, ['workflow', 'signal', '--address', testEnv('temporalAddress'), '--namespace', 'default', '--workflow-id', `delivery-${deliveryId}`, '--name', 'retry']);
    await waitForStatus(stack, org, deliveryId, 'delivered');
  });

  test('search attributes make dead letters findable by org and status', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const deliveryId = await deadLetterOne(org);
    const query = `WebhookDeliveryStatus="dead_lettered" AND WebhookOrgId="${org}"`;
    const found = await eventually(async () => {
      const ids: string[] = [];
      for await (const execution of stack.client.workflow.list({ query })) ids.push(execution.workflowId);
      return ids.length > 0 ? ids : undefined;
    }, 20_000, 'visibility');
    expect(found).toEqual([`delivery-${deliveryId}`]);
    const description = await stack.client.workflow.getHandle(`delivery-${deliveryId}`).describe();
    expect(description.typedSearchAttributes.get({ name: 'WebhookEventName', type: 'KEYWORD' } as never)).toBe('order.created');
  });
});

describe('with a 1 s window and a 2 s retention', () => {
  withStack({ DELIVERY_RETRY_WINDOW: '1s', DEAD_LETTER_RETENTION: '2s' });

  test('an unretried dead letter expires at the end of its retention and the workflow completes', async () => {
    const org = uniqueOrg();
    await subscribe(stack, org, receiver.url);
    const deliveryId = await deadLetterOne(org);
    await expect(stack.client.workflow.getHandle(`delivery-${deliveryId}`).result()).resolves.toMatchObject({ status: 'expired' });
    expect((await getDelivery(stack, org, deliveryId)).status).toBe('expired');

    // Retrying an expired delivery sends the same event again as a new delivery.
    receiver.respond(respondWith(200));
    const again = await stack.api<{ deliveryId: string; retriedFrom: string }>('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
    expect(again.status).toBe(202);
    expect(again.body.retriedFrom).toBe(deliveryId);
    expect(again.body.deliveryId).not.toBe(deliveryId);
    await waitForStatus(stack, org, again.body.deliveryId, 'delivered');
  });
});
