/** A worker without the key a secret was stored under sends nothing, names only the key id, and delivers once given the key. */
import { randomBytes } from 'node:crypto';
import { keyIdOf } from '../src/core/secret-box';
import { useDatabase, useReceiver, useStackStarter } from './helpers/fixtures';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import type { Stack } from './helpers/stack';

let stack: Stack;

const db = useDatabase('missing-encryption-key');
const receiver = useReceiver();
// The test restarts its stack with other keys.
const stacks = useStackStarter(db);

const oldKey = randomBytes(32).toString('base64');
const newKey = randomBytes(32).toString('base64');

test('a worker without the key a secret was stored under sends nothing, names only the key id, and delivers once given the key', async () => {
  const org = uniqueOrg();
  stack = await stacks.start({ ENCRYPTION_KEY: oldKey });
  await subscribe(stack, org, receiver.url);
  await stack.stop();

  // The old key was dropped too early. The worker that gets it back polls the same task queue.
  const queue = `test-${randomBytes(6).toString('hex')}`;
  stack = await stacks.start({ ENCRYPTION_KEY: newKey, TEMPORAL_TASK_QUEUE: queue });
  const { deliveries } = await publish(stack, org);
  const dead = await waitForStatus(stack, org, deliveries[0].deliveryId, 'dead_lettered');
  expect(receiver.requests).toHaveLength(0);
  const { rows: letters } = await db.pool.query<{ reason: string }>('SELECT reason FROM dead_letters WHERE delivery_id = $1', [dead.deliveryId]);
  expect(letters[0].reason).toContain(`key ${keyIdOf(Buffer.from(oldKey, 'base64'))}, which is not configured`);
  expect(JSON.stringify({ dead, letters })).not.toContain(oldKey);
  // Nothing was held: no slot of the config is taken. The dead letter counts against the config all the same.
  const health = await eventually(async () => {
    const { rows } = await db.pool.query('SELECT enabled, consecutive_dead_letters FROM webhook_configs WHERE org_id = $1', [org]);
    return rows[0]?.consecutive_dead_letters === 1 ? rows : undefined;
  }, 10_000, 'the dead letter counted against the config');
  expect(health).toEqual([{ enabled: true, consecutive_dead_letters: 1 }]);
  const { rows: leases } = await db.pool.query('SELECT * FROM delivery_leases');
  expect(leases).toEqual([]);
  await stack.stop();

  // The old key back, as a previous key: the dead letter is retried and delivered.
  stack = await stacks.start({ ENCRYPTION_KEY: newKey, ENCRYPTION_PREVIOUS_KEYS: oldKey, TEMPORAL_TASK_QUEUE: queue });
  expect((await stack.api('POST', `/webhooks/${org}/deliveries/${dead.deliveryId}/retry`)).status).toBe(202);
  await waitForStatus(stack, org, dead.deliveryId, 'delivered');
  expect(receiver.requests).toHaveLength(1);
});
