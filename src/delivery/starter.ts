/** Starts the workflows of committed deliveries after the API has answered, and marks them started. */
import { AsyncResource } from 'node:async_hooks';
import type { Config } from '../config';
import { markWorkflowsStarted } from '../db/deliveries';
import type { Pool } from '../db/pool';
import type { Logger } from '../logger';
import type { DeliveryDispatcher, DeliveryRef, FailedStart } from './dispatcher';

export interface StartDeps {
  pool: Pool;
  dispatcher: DeliveryDispatcher;
  logger: Logger;
}

/**
 * Starts the workflows of deliveries already committed and marks those started. Never rejects: it
 * resolves with the starts that failed, whose deliveries stay pending.
 */
async function tryStarts(deps: StartDeps, refs: readonly DeliveryRef[]): Promise<FailedStart[]> {
  let started: string[];
  let failed: FailedStart[];
  try {
    ({ started, failed } = await deps.dispatcher.start(refs));
  } catch (error) {
    return refs.map((ref) => ({ ref, error }));
  }
  if (started.length === 0) return failed;
  try {
    await markWorkflowsStarted(deps.pool, started);
  } catch (error) {
    // Harmless: the reconciler's repeated start of a running workflow starts nothing.
    deps.logger.warn({ err: error }, 'could not mark workflows started');
  }
  return failed;
}

function logFailedStarts(logger: Logger, failed: readonly FailedStart[], attempts: number): void {
  for (const { ref, error } of failed) {
    logger.warn({ deliveryId: ref.deliveryId, attempts, err: error }, 'workflow start failed; delivery stays pending');
  }
}

/**
 * Starts the workflows of deliveries already committed and marks those started, once: the caller (a
 * request that waits for its starts) is waiting. Never rejects: a start that fails leaves its delivery
 * pending, and the reconciler starts it.
 */
export async function startCommittedDeliveries(deps: StartDeps, refs: readonly DeliveryRef[]): Promise<void> {
  if (refs.length === 0) return;
  logFailedStarts(deps.logger, await tryStarts(deps, refs), 1);
}

/**
 * How long the starter waits before each new try of the starts that failed (a deadline passed while
 * Temporal was busy, a connection was reset). A start that succeeded although its answer was lost
 * starts nothing the second time (the workflow id is the delivery's). After the last, the delivery is
 * left to the reconciler.
 */
export const START_RETRY_DELAYS_MS: readonly number[] = [500, 2_000, 5_000];

export type StarterConfig = Pick<Config, 'PUBLISH_START_CONCURRENCY' | 'PUBLISH_START_QUEUE_LIMIT' | 'PUBLISH_START_DRAIN_GRACE'>;

/** A warning about deliveries left to the reconciler for a full queue is logged at most this often. */
const OVERFLOW_LOG_INTERVAL_MS = 10_000;

/**
 * Starts the workflows of committed deliveries after the request that wrote them has been answered
 * (PUBLISH_STARTS_AFTER_ANSWER). In memory, in the API process: `enqueue` wakes it at once, it keeps at
 * most PUBLISH_START_CONCURRENCY starts in flight and at most PUBLISH_START_QUEUE_LIMIT deliveries
 * waiting, and `drain` lets it finish at shutdown. A start that fails is tried again after each of
 * START_RETRY_DELAYS_MS. What it never starts (a full queue, a start that failed every try, a killed
 * process) is pending in Postgres, where the reconciler finds it. Nothing it does rejects.
 */
export function createDeliveryStarter(deps: StartDeps & { config: StarterConfig; retryDelaysMs?: readonly number[] }) {
  const concurrency = deps.config.PUBLISH_START_CONCURRENCY;
  const queueLimit = deps.config.PUBLISH_START_QUEUE_LIMIT;
  const retryDelaysMs = deps.retryDelaysMs ?? START_RETRY_DELAYS_MS;
  /**
   * One entry per enqueue (or per new try): its refs, the tries made so far, and the start bound to the
   * enqueuing request's context (trace, log fields).
   */
  const queue: { refs: DeliveryRef[]; tries: number; start: (refs: DeliveryRef[]) => Promise<FailedStart[]> }[] = [];
  let queued = 0;
  let inFlight = 0;
  /** Deliveries whose start failed, waiting for their next try. */
  let waiting = 0;
  let scheduled = false;
  let overflow = { dropped: 0, loggedAt: Number.NEGATIVE_INFINITY };
  const idle = new Set<() => void>();

  /** Nothing queued, in flight or waiting for a new try. */
  const isIdle = (): boolean => queued === 0 && inFlight === 0 && waiting === 0;

  const settleIdle = (): void => {
    if (!isIdle()) return;
    for (const resolve of idle) resolve();
    idle.clear();
  };

  const finished = (count: number): void => {
    inFlight -= count;
    pump();
  };

  function pump(): void {
    while (queue.length > 0 && inFlight < concurrency) {
      const head = queue[0];
      const room = concurrency - inFlight;
      const refs = head.refs.length <= room ? queue.shift()!.refs : head.refs.splice(0, room);
      queued -= refs.length;
      inFlight += refs.length;
      head
        .start(refs)
        .then((failed) => retryLater(head, failed))
        .catch((error: unknown) => deps.logger.error({ err: error }, 'workflow starts failed; deliveries stay pending'))
        .finally(() => finished(refs.length))
        .catch(() => undefined);
    }
    settleIdle();
  }

  /** Queues the failed starts of `entry` again after the next delay, or, after the last, leaves them to the reconciler. */
  function retryLater(entry: (typeof queue)[number], failed: readonly FailedStart[]): void {
    if (failed.length === 0) return;
    const tries = entry.tries + 1;
    const delay = retryDelaysMs[tries - 1];
    if (delay === undefined) {
      logFailedStarts(deps.logger, failed, tries);
      return;
    }
    const refs = failed.map(({ ref }) => ref);
    waiting += refs.length;
    deps.logger.info({ deliveries: refs.length, tries, err: failed[0].error, retryInMs: delay }, 'workflow start failed; trying again');
    setTimeout(() => {
      waiting -= refs.length;
      queue.push({ refs, tries, start: entry.start });
      queued += refs.length;
      pump();
    }, delay).unref();
  }

  function leftToReconciler(count: number): void {
    overflow.dropped += count;
    const now = Date.now();
    if (now - overflow.loggedAt < OVERFLOW_LOG_INTERVAL_MS) return;
    deps.logger.warn(
      { deliveries: overflow.dropped, queueLimit },
      'workflow start queue full; deliveries stay pending for the reconciler',
    );
    overflow = { dropped: 0, loggedAt: now };
  }

  return {
    /**
     * Queues the starts of committed deliveries and returns at once. They begin once the current
     * request has written its answer (the next turn of the event loop).
     */
    enqueue(refs: readonly DeliveryRef[]): void {
      if (refs.length === 0) return;
      const room = Math.max(queueLimit - queued, 0);
      const kept = refs.slice(0, room);
      if (kept.length < refs.length) leftToReconciler(refs.length - kept.length);
      if (kept.length === 0) return;
      queue.push({ refs: kept, tries: 0, start: AsyncResource.bind((batch: DeliveryRef[]) => tryStarts(deps, batch)) });
      queued += kept.length;
      if (scheduled) return;
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        pump();
      });
    },

    /** Deliveries waiting for a start, starts in flight, and failed starts waiting for their next try. */
    stats(): { queued: number; inFlight: number; waiting: number } {
      return { queued, inFlight, waiting };
    },

    /**
     * Resolves once every queued start has been made (or has failed), or after PUBLISH_START_DRAIN_GRACE
     * (`graceMs`), leaving the rest to the reconciler. Called at shutdown, after the server stopped accepting.
     */
    drain(graceMs: number = deps.config.PUBLISH_START_DRAIN_GRACE): Promise<void> {
      pump();
      if (isIdle()) return Promise.resolve();
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          idle.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          deps.logger.warn({ queued, inFlight, waiting }, 'stopped before every workflow start was made; deliveries stay pending for the reconciler');
          done();
        }, graceMs);
        idle.add(done);
      });
    },
  };
}

export type DeliveryStarter = ReturnType<typeof createDeliveryStarter>;

/**
 * The starter of an API process, when PUBLISH_STARTS_AFTER_ANSWER is on; undefined when requests are to
 * wait for their starts. `dispatcher` is the API's own (src/compose.ts).
 */
export function apiStarterFor(deps: { pool: Pool; dispatcher: DeliveryDispatcher; config: Config; logger: Logger }): DeliveryStarter | undefined {
  if (!deps.config.PUBLISH_STARTS_AFTER_ANSWER) return undefined;
  return createDeliveryStarter({ pool: deps.pool, dispatcher: deps.dispatcher, logger: deps.logger, config: deps.config });
}
