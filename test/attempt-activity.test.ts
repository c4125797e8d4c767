/**
 * The attempt activity run outside a worker, in the SDK's MockActivityEnvironment, against real Postgres and a
 * real local receiver: a 2xx is recorded, a 503 becomes a retryable failure carrying the backoff as its
 * `nextRetryDelay`, and a cancelled attempt finishes or aborts its POST as the reason asks, freeing its slot.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { ActivityCancellationDetails, ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createAttemptActivity } from '../src/activities/attempt/activity';
import { destinationGuardFor } from '../src/core/destinations';
import { createHttpClient } from '../src/core/http';
import { secretBoxFor } from '../src/core/secret-box';
import { generateSecret, sign } from '../src/core/signing';
import { putConfig } from '../src/db/configs';
import { insertDeliveries } from '../src/db/deliveries';
import { insertEvent } from '../src/db/events';
import { createMetrics } from '../src/observability/metrics';
import { backoffAfter } from '../src/shared/retry-policy';
import type { RetrySettings } from '../src/shared/settings';
import { FailureType } from '../src/shared/temporal';
import { USER_AGENT } from '../src/version';
import { useDatabase, useFixture, useReceiver } from './helpers/fixtures';
import { eventually, uniqueOrg } from './helpers/scenario';
import { testConfig } from './helpers/stack';

const db = useDatabase('attempt-activity');
const receiver = useReceiver();
const RETRY: RetrySettings = { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 60_000, windowMs: 3_600_000 };

/** The activity as the worker builds it, on the file's database, with an HTTP client closed after the file. */
const attempt = useFixture(
  'attempt activity',
  async () => {
    const config = testConfig(db);
    const http = createHttpClient({ guard: destinationGuardFor(config) });
    const box = secretBoxFor(config);
    const activity = createAttemptActivity({
      pool: db.pool,
      http,
      box,
      config,
      userAgent: USER_AGENT,
      logger: pino({ level: 'silent' }),
      metrics: createMetrics(),
      disableGoneConfig: async () => undefined,
    });
    return { activity, box, close: () => http.close() };
  },
  (built) => built.close(),
);

/** One pending delivery of one event to a config of its own (one slot), whose secret the test knows. */
async function pendingDelivery(timeoutMs = 5_000): Promise<{ deliveryId: string; secret: string }> {
  const orgId = uniqueOrg();
  const secret = generateSecret();
  await db.pool.query('INSERT INTO event_types (name) VALUES ($1) ON CONFLICT DO NOTHING', ['order.created']);
  await putConfig(
    db.pool,
    orgId,
    'main',
    { url: receiver.url, eventNames: ['order.created'], enabled: true, description: null, headers: {}, timeoutMs, maxConcurrency: 1, maxPerSecond: null, auth: null },
    null,
    attempt.box.encrypt(secret),
  );
  const event = await insertEvent(db.pool, randomUUID(), orgId, 'order.created', { n: 1 });
  const deliveryId = randomUUID();
  await insertDeliveries(db.pool, event, [{ deliveryId, configId: 'main', workflowId: `delivery-${deliveryId}` }]);
  return { deliveryId, secret };
}

const leasesOf = async (deliveryId: string): Promise<number> =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM delivery_leases WHERE delivery_id = $1', [deliveryId])).rows[0].n;

const inputOf = (deliveryId: string) => ({ deliveryId, retry: RETRY, windowEndsAt: Date.now() + RETRY.windowMs });

/** An attempt whose POST the receiver never answers, once that POST has arrived and holds the config's slot. */
async function hangingAttempt(timeoutMs: number) {
  receiver.respond(() => undefined);
  const { deliveryId } = await pendingDelivery(timeoutMs);
  const env = new MockActivityEnvironment();
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const outcome = env.run(attempt.activity.attemptDelivery, inputOf(deliveryId)).catch((error: unknown) => error);
  await eventually(async () => receiver.requests.some((r) => r.headers['webhook-id'] === deliveryId), 10_000, 'the POST at the receiver');
  expect(await leasesOf(deliveryId)).toBe(1);
  return { deliveryId, env, heartbeats, outcome };
}

test('a 2xx is recorded as delivered, signed with the config secret', async () => {
  receiver.respond((_, res) => {
    res.writeHead(204).end();
  });
  const { deliveryId, secret } = await pendingDelivery();
  const result = await new MockActivityEnvironment().run(attempt.activity.attemptDelivery, inputOf(deliveryId));

  expect(result).toMatchObject({ attempt: 1, statusCode: 204 });
  const request = receiver.requests.find((r) => r.headers['webhook-id'] === deliveryId);
  expect(request).toBeDefined();
  const expected = sign([secret], deliveryId, Number(request!.headers['webhook-timestamp']), request!.body);
  expect(String(request!.headers['webhook-signature'])).toBe(expected);
  const { rows } = await db.pool.query('SELECT status, attempt_count FROM deliveries WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0]).toEqual({ status: 'delivered', attempt_count: 1 });
});

test("a 503 is a retryable failure whose nextRetryDelay is the policy's first backoff", async () => {
  receiver.respond((_, res) => {
    res.writeHead(503).end('busy');
  });
  const { deliveryId } = await pendingDelivery();
  const failure = await new MockActivityEnvironment().run(attempt.activity.attemptDelivery, inputOf(deliveryId)).catch((error: unknown) => error);

  expect(failure).toBeInstanceOf(ApplicationFailure);
  const applicationFailure = failure as ApplicationFailure;
  expect(applicationFailure.type).toBe(FailureType.HTTP_STATUS);
  expect(applicationFailure.nonRetryable).toBe(false);
  expect(applicationFailure.nextRetryDelay).toBe(backoffAfter(RETRY, 1));
  expect(applicationFailure.details?.[0]).toMatchObject({ statusCode: 503, attempt: 1 });
  const { rows } = await db.pool.query('SELECT status, last_status_code FROM deliveries WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0]).toEqual({ status: 'retrying', last_status_code: 503 });
});

test('an attempt the workflow cancels mid-POST finishes that POST: its outcome is recorded, its slot freed, and it heartbeats meanwhile', async () => {
  // The POST runs to its 3 s timeout: long enough for heartbeats, which come every 2 s.
  const { deliveryId, env, heartbeats, outcome } = await hangingAttempt(3_000);

  // A cancel the workflow asked for (a person's retry): the POST on the wire is not cut short.
  env.cancel('CANCELLED');
  const failure = await outcome;

  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).type).toBe(FailureType.NETWORK);
  expect(heartbeats.length).toBeGreaterThan(0);
  const { rows } = await db.pool.query('SELECT attempt_count, last_error FROM deliveries WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0]).toEqual({ attempt_count: 1, last_error: 'no response within 3000 ms' });
  expect(await leasesOf(deliveryId)).toBe(0);
});

test('an attempt the server gave up on is aborted mid-POST: it ends cancelled, records nothing, and frees its slot', async () => {
  const { deliveryId, env, outcome } = await hangingAttempt(10_000);

  env.cancel('TIMED_OUT', new ActivityCancellationDetails({ timedOut: true }));

  expect(await outcome).toBeInstanceOf(CancelledFailure);
  await eventually(async () => (await leasesOf(deliveryId)) === 0, 10_000, 'the lease freed');
  const { rows } = await db.pool.query('SELECT attempt_count FROM deliveries WHERE delivery_id = $1', [deliveryId]);
  expect(rows[0].attempt_count).toBe(0);
});
