import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import { createHttpClient } from '../../src/activities/http';
import { createApp } from '../../src/api/app';
import { closeServer } from '../../src/api/server-lifecycle';
import { type Config, loadConfig } from '../../src/config';
import { USER_AGENT } from '../../src/version';
import { createDeliveryWorker } from '../../src/worker/worker';
import { testEnv } from '../setup/test-env';
import type { TestDatabase } from './database';

/** Retry settings short enough for a test: the production ones are checked as an object elsewhere. */
export const FAST_RETRY = {
  DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
  DELIVERY_RETRY_BACKOFF: '2',
  DELIVERY_RETRY_MAX_INTERVAL: '1s',
  DELIVERY_RETRY_WINDOW: '4s',
  DEAD_LETTER_RETENTION: '1h',
};

export interface Stack {
  config: Config;
  baseUrl: string;
  client: Client;
  worker: Worker;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * The whole service against the real servers: API on a free port, a worker on a task queue of its
 * own, both on the given database. One per test.
 */
export async function startStack(db: TestDatabase, env: Record<string, string> = {}): Promise<Stack> {
  const config = loadConfig({
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: testEnv('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
    WORKFLOW_BUNDLE_PATH: testEnv('workflowBundle'),
    LOG_LEVEL: 'silent',
    WORKER_SHUTDOWN_GRACE: '1s',
    ...FAST_RETRY,
    ...env,
  });
  const logger = pino({ level: config.LOG_LEVEL });
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const nativeConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const http = createHttpClient();
  const activities = createActivities({ pool: db.pool, http, config, temporal: client, logger, userAgent: USER_AGENT });
  const worker = await createDeliveryWorker({ connection: nativeConnection, config, activities });
  const running = worker.run();

  const app = createApp({ pool: db.pool, temporal: client, config, logger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    config,
    baseUrl,
    client,
    worker,
    async api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const response = await fetch(baseUrl + path, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
    },
    async stop() {
      await closeServer(server);
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await Promise.allSettled([http.close(), nativeConnection.close(), connection.close()]);
    },
  };
}
