/** A deployment that opens no private range, as production does by default. */
import { useDatabase, useReceiver, useStack } from './helpers/fixtures';
import { publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { type ApiStack, startApi } from './helpers/stack';
import { LOOPBACK_SPELLINGS } from './helpers/loopback-spellings';

const db = useDatabase('destination-blocking');
const strict = useStack(db, { ALLOWED_PRIVATE_CIDRS: '' });
const receiver = useReceiver();
beforeAll(async () => {
  await strict.api('PUT', '/event-types/order.created', {});
});

test.each([
  ...LOOPBACK_SPELLINGS,
  ['http://localhost/hook'],
  ['http://169.254.169.254/latest/meta-data/'],
  ['http://10.0.0.8/hook'],
  ['http://[fd00::1]/hook'],
])('storing a webhook for %s answers 422 on url and writes nothing', async (url) => {
  const org = uniqueOrg();
  const response = await strict.api('PUT', `/webhooks/${org}/configs/main`, { url, eventNames: ['order.created'] });
  expect(response.status).toBe(422);
  expect(response.body).toMatchObject({ field: 'url' });
  const { rows } = await db.pool.query('SELECT 1 FROM webhook_configs WHERE org_id = $1', [org]);
  expect(rows).toHaveLength(0);
});

test('REQUIRE_HTTPS refuses an http URL', async () => {
  const https = await startApi(db, { REQUIRE_HTTPS: 'true' });
  try {
    const response = await https.api('PUT', `/webhooks/${uniqueOrg()}/configs/main`, { url: 'http://example.com/hook', eventNames: ['order.created'] });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ field: 'url', detail: expect.stringContaining('https') });
  } finally {
    await https.stop();
  }
});

test('a name that resolves to a blocked address at delivery time is refused on connect, not retried, and dead-lettered', async () => {
  // Stored through an API that allows loopback (as if the name pointed elsewhere then);
  // delivered by the strict worker, which judges the address the name resolves to now.
  let lenient: ApiStack | undefined = await startApi(db, { TEMPORAL_TASK_QUEUE: strict.config.TEMPORAL_TASK_QUEUE });
  const org = uniqueOrg();
  await subscribe(lenient, org, `http://localhost:${receiver.port}/hook`);
  await lenient.stop();
  lenient = undefined;

  const { deliveries } = await publish(strict, org);
  const dead = await waitForStatus(strict, org, deliveries[0].deliveryId, 'dead_lettered', 15_000);
  expect(dead.attempts).toHaveLength(1);
  expect(dead.attempts[0].error).toMatch(/blocked/);
  expect(receiver.requests).toHaveLength(0);
  const { rows } = await db.pool.query('SELECT error_class FROM delivery_attempts WHERE delivery_id = $1', [deliveries[0].deliveryId]);
  expect(rows).toEqual([{ error_class: 'destination_blocked' }]);
  const letters = await strict.api<{ items: { reason: string }[] }>('GET', `/webhooks/${org}/dead-letters`);
  expect(letters.body.items[0].reason).toMatch(/^DestinationBlocked/);
});
