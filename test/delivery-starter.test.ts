/**
 * The starter of the API process (PUBLISH_STARTS_AFTER_ANSWER) against a dispatcher of the test's own:
 * bounded in flight and in queue, failed starts tried again, drained at shutdown, and never a rejection
 * nobody handles.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import pg from 'pg';
import pino from 'pino';
import type { DeliveryDispatcher, DeliveryRef } from '../src/delivery/dispatcher';
import { createDeliveryStarter } from '../src/delivery/starter';
import type { Pool } from '../src/db/pool';
import { useDatabase } from './helpers/fixtures';
import { eventually } from './helpers/scenario';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
});
const db = useDatabase('delivery-starter');
beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
});
beforeEach(() => {
  unhandled.length = 0;
});

function refs(count: number): DeliveryRef[] {
  return Array.from({ length: count }, () => {
    const deliveryId = randomUUID();
    return { deliveryId, eventId: randomUUID(), orgId: 'acme', configId: 'main', eventName: 'order.created', workflowId: `delivery-${deliveryId}` };
  });
}

/** A logger whose lines the test reads. */
function capturingLogger(): { logger: pino.Logger; messages: string[] } {
  const messages: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), messages };
}

/** A dispatcher whose starts each take `ms`, counting how many are in flight at once. */
function slowDispatcher(ms: number) {
  const seen = { inFlight: 0, peak: 0, started: [] as string[] };
  const dispatcher = {
    async start(batch: readonly DeliveryRef[]) {
      seen.inFlight += batch.length;
      seen.peak = Math.max(seen.peak, seen.inFlight);
      await new Promise((resolve) => setTimeout(resolve, ms));
      seen.inFlight -= batch.length;
      seen.started.push(...batch.map((ref) => ref.deliveryId));
      return { started: batch.map((ref) => ref.deliveryId), failed: [] };
    },
  } as unknown as DeliveryDispatcher;
  return { dispatcher, seen };
}

const config = (overrides: Partial<{ PUBLISH_START_CONCURRENCY: number; PUBLISH_START_QUEUE_LIMIT: number; PUBLISH_START_DRAIN_GRACE: number }> = {}) => ({
  PUBLISH_START_CONCURRENCY: 4,
  PUBLISH_START_QUEUE_LIMIT: 1000,
  PUBLISH_START_DRAIN_GRACE: 10_000,
  ...overrides,
});

test('enqueue returns at once; starts follow with at most PUBLISH_START_CONCURRENCY in flight, and drain waits for the last', async () => {
  const { dispatcher, seen } = slowDispatcher(30);
  const { logger } = capturingLogger();
  const starter = createDeliveryStarter({ pool: db.pool, dispatcher, logger, config: config() });
  const all = [refs(3), refs(10), refs(1), refs(6)];
  for (const batch of all) starter.enqueue(batch);
  // Nothing has been started yet: the starts begin on the next turn of the event loop, after the answer.
  expect(seen.started).toEqual([]);
  expect(starter.stats()).toEqual({ queued: 20, inFlight: 0, waiting: 0 });

  await starter.drain();
  expect(seen.started).toEqual(all.flat().map((ref) => ref.deliveryId));
  expect(seen.peak).toBe(4);
  expect(starter.stats()).toEqual({ queued: 0, inFlight: 0, waiting: 0 });
});

test('a full queue leaves the excess pending for the reconciler, says so once, and starts the rest', async () => {
  const { dispatcher, seen } = slowDispatcher(20);
  const { logger, messages } = capturingLogger();
  const starter = createDeliveryStarter({ pool: db.pool, dispatcher, logger, config: config({ PUBLISH_START_CONCURRENCY: 2, PUBLISH_START_QUEUE_LIMIT: 5 }) });
  const first = refs(4);
  const second = refs(4);
  const third = refs(2);
  starter.enqueue(first);
  starter.enqueue(second);
  starter.enqueue(third);
  expect(starter.stats().queued).toBe(5);

  await starter.drain();
  expect(seen.started).toEqual([...first, second[0]].map((ref) => ref.deliveryId));
  expect(messages.filter((msg) => msg === 'workflow start queue full; deliveries stay pending for the reconciler')).toHaveLength(1);
});

/** Short delays between tries, so the test does not wait for the production ones. */
const RETRY_DELAYS_MS = [20, 40];

test('a start that fails is tried again after each delay, and only the failed ones: a dispatcher that throws, then one that fails a start', async () => {
  const { logger, messages } = capturingLogger();
  const calls: string[][] = [];
  const callTimes: number[] = [];
  const dispatcher = {
    async start(batch: readonly DeliveryRef[]) {
      calls.push(batch.map((ref) => ref.deliveryId));
      callTimes.push(performance.now());
      // The first call throws (a connection lost); the second fails its first start (a deadline); then all succeed.
      if (calls.length === 1) throw new Error('connection lost');
      const failed = calls.length === 2 ? [{ ref: batch[0], error: new Error('deadline exceeded') }] : [];
      return { started: batch.slice(failed.length).map((ref) => ref.deliveryId), failed };
    },
  } as unknown as DeliveryDispatcher;
  const starter = createDeliveryStarter({ pool: db.pool, dispatcher, logger, config: config(), retryDelaysMs: RETRY_DELAYS_MS });
  const batch = refs(3);
  const ids = batch.map((ref) => ref.deliveryId);
  starter.enqueue(batch);
  // The failed three wait for their next try; drain waits for them too.
  expect(starter.stats().queued).toBe(3);
  await starter.drain();

  expect(calls).toEqual([ids, ids, [ids[0]]]);
  // Each new try came after its delay (timers may fire a millisecond early).
  expect(callTimes[1] - callTimes[0]).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] - 1);
  expect(callTimes[2] - callTimes[1]).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[1] - 1);
  expect(starter.stats()).toEqual({ queued: 0, inFlight: 0, waiting: 0 });
  // Nothing was given up, so nothing was left to the reconciler.
  expect(messages).toEqual([]);
});

test('a start that fails every try is left pending after the last, said once per delivery, and Postgres refusing the mark rejects nothing', async () => {
  const { logger, messages } = capturingLogger();
  const tries = new Map<string, number>();
  const failing = new Set<string>();
  const dispatcher = {
    async start(batch: readonly DeliveryRef[]) {
      for (const ref of batch) tries.set(ref.deliveryId, (tries.get(ref.deliveryId) ?? 0) + 1);
      const failed = batch.filter((ref) => failing.has(ref.deliveryId)).map((ref) => ({ ref, error: new Error('unavailable') }));
      return { started: batch.filter((ref) => !failing.has(ref.deliveryId)).map((ref) => ref.deliveryId), failed };
    },
  } as unknown as DeliveryDispatcher;
  const closed = new pg.Pool({ connectionString: db.url }) as Pool;
  await closed.end();
  const starter = createDeliveryStarter({ pool: closed, dispatcher, logger, config: config(), retryDelaysMs: RETRY_DELAYS_MS });
  const batch = refs(3);
  failing.add(batch[0].deliveryId).add(batch[2].deliveryId);
  starter.enqueue(batch);
  await starter.drain();

  // One first try and one try after each delay for the failing two; one try for the other.
  expect(batch.map((ref) => tries.get(ref.deliveryId))).toEqual([3, 1, 3]);
  expect(messages.filter((msg) => msg === 'workflow start failed; delivery stays pending')).toHaveLength(2);
  expect(messages.filter((msg) => msg === 'could not mark workflows started')).toHaveLength(1);
  // A rejection left unhandled would be reported on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(unhandled).toEqual([]);
});

test('drain gives up after its grace and names what is left to the reconciler', async () => {
  const hung = { start: () => new Promise(() => undefined) } as unknown as DeliveryDispatcher;
  const { logger, messages } = capturingLogger();
  const starter = createDeliveryStarter({ pool: db.pool, dispatcher: hung, logger, config: config({ PUBLISH_START_CONCURRENCY: 2 }) });
  starter.enqueue(refs(5));
  const began = Date.now();
  await starter.drain(200);
  expect(Date.now() - began).toBeLessThan(5_000);
  await eventually(async () => messages.includes('stopped before every workflow start was made; deliveries stay pending for the reconciler'), 1_000, 'the warning');
  expect(starter.stats()).toEqual({ queued: 3, inFlight: 2, waiting: 0 });
});
