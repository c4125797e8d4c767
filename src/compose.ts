/** The composition root: the entry points build the pool, Temporal clients, delivery starts, activities, worker and app here, each once. */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { Express } from 'express';
import { createActivities } from './activities';
import { destinationGuardFor } from './core/destinations';
import { createHttpClient, type HttpClient } from './core/http';
import { createApp } from './api/app';
import type { Config } from './config';
import { createPool, type Pool } from './db/pool';
import { createDeliveryDispatcher, type DeliveryDispatcher } from './delivery/dispatcher';
import { createPublisher, type Publisher } from './delivery/publisher';
import { apiStarterFor, type DeliveryStarter } from './delivery/starter';
import type { Logger } from './logger';
import type { Metrics } from './observability/metrics';
import { clientInterceptors } from './observability/temporal-interceptors';
import type { Tracing } from './observability/tracing';
import { USER_AGENT } from './version';
import { prepareSearchAttributes } from './worker/search-attributes';
import { createDeliveryWorker } from './worker/worker';

/** Releases what a compose function built; its owner calls it once, at shutdown. */
export interface Closable {
  close(): Promise<void>;
}

/** The Postgres pool of one process, named after its role in `application_name`. */
export function composePool(config: Config, role: 'api' | 'worker' | 'bench'): { pool: Pool } & Closable {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_SIZE, applicationName: `temporal-webhooks-${role}` });
  return { pool, close: () => pool.end() };
}

/** The HTTP client of attempts and test sends, guarded by the configuration's destination rules. */
export function composeHttp(config: Config): { http: HttpClient } & Closable {
  const http = createHttpClient({ guard: destinationGuardFor(config) });
  return { http, close: () => http.close() };
}

/** The client of an API process alone. Lazy: the API starts, and answers 503 where needed, while Temporal is still unreachable. */
export function composeApiTemporal(config: Config): { client: Client } & Closable {
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, interceptors: clientInterceptors() });
  return { client, close: () => connection.close() };
}

/**
 * The connections of a process that runs a delivery worker, once the search attributes are in place: the
 * worker's NativeConnection, and a client. `clientOnWorkerConnection`: the client runs on the worker's
 * connection, so that an API in the same process may start deliveries eagerly (the first workflow task
 * comes back in the start's answer, to this process's worker); otherwise it has a connection of its own.
 */
export async function composeWorkerTemporal(
  config: Config,
  deps: { logger: Logger; clientOnWorkerConnection: boolean },
): Promise<{ connection: NativeConnection; client: Client } & Closable> {
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  await prepareSearchAttributes(clientConnection, config.TEMPORAL_NAMESPACE, deps.logger);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({
    connection: deps.clientOnWorkerConnection ? connection : clientConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    interceptors: clientInterceptors(),
  });
  return {
    connection,
    client,
    async close() {
      await Promise.allSettled([connection.close(), clientConnection.close()]);
    },
  };
}

/** What starts delivery workflows: the dispatcher, and the publisher that writes events and hands their deliveries to it. */
export interface Delivery {
  dispatcher: DeliveryDispatcher;
  publisher: Publisher;
  /** The API's starter when PUBLISH_STARTS_AFTER_ANSWER is on; `close` drains it. */
  starter?: DeliveryStarter;
}

/**
 * The API's side: one dispatcher for its requests and its starter, and a publisher that refuses `data` over
 * MAX_PAYLOAD_BYTES and, with PUBLISH_STARTS_AFTER_ANSWER, starts workflows after the answer. Closing drains
 * the starter. `sharesWorkerConnection`: `temporal` runs on the NativeConnection of a delivery worker in this
 * process, so starts may be eager (TEMPORAL_EAGER_START).
 */
export function composeApiDelivery(
  config: Config,
  deps: { pool: Pool; temporal: Client; logger: Logger; sharesWorkerConnection?: boolean },
): Delivery & Closable {
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config, sharesWorkerConnection: deps.sharesWorkerConnection });
  const starter = apiStarterFor({ pool: deps.pool, dispatcher, config, logger: deps.logger });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger: deps.logger, maxPayloadBytes: config.MAX_PAYLOAD_BYTES, starter });
  return {
    dispatcher,
    publisher,
    starter,
    async close() {
      await starter?.drain();
    },
  };
}

/**
 * The activities' side (the reconciler's starts, the events the service announces): starts are never eager
 * and are awaited inside the activity, so that the activity's outcome covers them.
 */
export function composeWorkerDelivery(config: Config, deps: { pool: Pool; temporal: Client; logger: Logger }): Delivery & Closable {
  const dispatcher = createDeliveryDispatcher({ temporal: deps.temporal, config });
  const publisher = createPublisher({ pool: deps.pool, dispatcher, logger: deps.logger });
  return { dispatcher, publisher, close: async () => undefined };
}

export type Activities = ReturnType<typeof createActivities>;

/** What the activities and the app both take: the pool, the config, the logger and their side of delivery starts. */
function sharedDeps(config: Config, deps: { pool: Pool; logger: Logger }, delivery: Delivery) {
  return { pool: deps.pool, config, logger: deps.logger, dispatcher: delivery.dispatcher, publisher: delivery.publisher };
}

/** The delivery worker's activities, with the worker's side of delivery starts. `metrics`: a registry of their own when not given. */
export function composeActivities(
  config: Config,
  deps: { pool: Pool; temporal: Client; logger: Logger; http: HttpClient; metrics?: Metrics },
): { activities: Activities } & Delivery & Closable {
  const delivery = composeWorkerDelivery(config, deps);
  const activities = createActivities({ ...sharedDeps(config, deps, delivery), http: deps.http, userAgent: USER_AGENT, metrics: deps.metrics });
  return { activities, ...delivery };
}

/** The delivery worker. `run` starts it (once; later calls answer the same promise); `close` shuts it down and waits for the run to end. */
export async function composeWorker(
  config: Config,
  deps: { connection: NativeConnection; activities: Activities; tracing?: Tracing },
): Promise<{ worker: Worker; run(): Promise<void> } & Closable> {
  const worker = await createDeliveryWorker({ connection: deps.connection, config, activities: deps.activities, tracing: deps.tracing });
  let running: Promise<void> | undefined;
  return {
    worker,
    run: () => (running ??= worker.run()),
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch(() => undefined);
    },
  };
}

/**
 * The Express app with the API's side of delivery starts; `close` drains its starter (after the server has
 * stopped accepting). `http` and `metrics`: the app makes its own when not given.
 */
export function composeApp(
  config: Config,
  deps: { pool: Pool; temporal: Client; logger: Logger; http?: HttpClient; metrics?: Metrics; sharesWorkerConnection?: boolean },
): { app: Express } & Delivery & Closable {
  const delivery = composeApiDelivery(config, deps);
  const app = createApp({ ...sharedDeps(config, deps, delivery), temporal: deps.temporal, http: deps.http, metrics: deps.metrics });
  return { app, ...delivery };
}
