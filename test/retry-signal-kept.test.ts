/**
 * A retry that the API accepted (202) is never dropped: not when it arrives while the dead letter is
 * being written, nor while the delivery is being marked expired.
 */
import type { PoolClient } from 'pg';
import { useDatabase, useReceiver, useStackStarter } from './helpers/fixtures';
import { respondWith } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import type { Stack } from './helpers/stack';

let lock: PoolClient | undefined;

const db = useDatabase('retry-signal-kept');
// Declared before the stacks: a lock left held is let go before the stack stops.
afterEach(async () => {
  await lock?.query('ROLLBACK').catch(() => undefined);
  lock?.release();
  lock = undefined;
});
// Each test runs with windows and retentions of its own.
const stacks = useStackStarter(db);
const receiver = useReceiver(respondWith(503), { scope: 'each' });

/** Holds `statement`'s locks in an open transaction of the test's own until `release`. */
async function holdLock(statement: string, params: unknown[]): Promise<void> {
  lock = await db.pool.connect();
  await lock.query('BEGIN');
  await lock.query(statement, params);
}

async function release(): Promise<void> {
  await lock?.query('COMMIT');
  lock?.release();
  lock = undefined;
}

/** Resolves once a statement of the service waits on a lock the test holds: the activity is mid-write. */
async function serviceBlockedOn(fragment: string): Promise<void> {
  await eventually(async () => {
    const { rows } = await db.pool.query(
      `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE $1`,
      [`%${fragment}%`],
    );
    return rows.length > 0;
  }, 20_000, `a statement of the service to wait on the lock (${fragment})`);
}

/** The receiver turns healthy, a person retries while the service is held, the hold goes: the retry delivers. */
async function retryWhileHeldThenRelease(stack: Stack, org: string, deliveryId: string): Promise<void> {
  receiver.respond(respondWith(200));
  const retried = await stack.api('POST', `/webhooks/${org}/deliveries/${deliveryId}/retry`);
  expect(retried.status).toBe(202);
  expect(retried.body).toMatchObject({ deliveryId });
  await release();

  const delivered = await waitForStatus(stack, org, deliveryId, 'delivered', 15_000);
  expect(delivered.attempts.at(-1)).toMatchObject({ statusCode: 200 });
}

test('a retry that arrives while the dead letter is being written is honoured', async () => {
  const stack = await stacks.start({ DELIVERY_RETRY_WINDOW: '2s' });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  // The dead letter cannot be written until the test lets go: the workflow waits in recordDeadLetter.
  await holdLock('LOCK TABLE dead_letters IN EXCLUSIVE MODE', []);
  const { deliveries } = await publish(stack, org);
  const { deliveryId } = deliveries[0];
  await serviceBlockedOn('INSERT INTO dead_letters');

  await retryWhileHeldThenRelease(stack, org, deliveryId);
  expect(receiver.requests.filter((r) => r.headers['webhook-id'] === deliveryId).at(-1)).toBeDefined();
});

test('a retry that arrives while the delivery is being marked expired is honoured', async () => {
  const stack = await stacks.start({ DELIVERY_RETRY_WINDOW: '1s', DEAD_LETTER_RETENTION: '3s' });
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const { deliveries } = await publish(stack, org);
  const { deliveryId } = deliveries[0];
  await waitForStatus(stack, org, deliveryId, 'dead_lettered');
  // markExpired updates this row: it waits until the test lets go.
  await holdLock('SELECT 1 FROM deliveries WHERE delivery_id = $1 FOR UPDATE', [deliveryId]);
  await serviceBlockedOn(`status = 'expired'`);

  await retryWhileHeldThenRelease(stack, org, deliveryId);
  const { rows } = await db.pool.query('SELECT retried_at FROM dead_letters WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0].retried_at).toBeInstanceOf(Date);
});
