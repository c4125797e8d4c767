/** The service as the tests run it: an API alone or the API with a worker, on a test database, with test settings and keys. */
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { closeServer } from '../../src/api/server-lifecycle';
import { composeApp } from '../../src/compose';
import { type Config, loadConfig } from '../../src/config';
import type { Pool } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import { startService } from '../../src/service';
import type { Tracing } from '../../src/observability/tracing';
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

export interface ApiResponse<T> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ApiStack {
  config: Config;
  baseUrl: string;
  client: Client;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

export interface Stack extends ApiStack {
  worker: Worker;
  /** `GET /metrics` of this stack, on a free port. */
  metricsUrl: string;
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/** The reconciler's Schedule on, every second, for deliveries of any age: what a test of stranded deliveries needs. */
export const RECONCILE_AT_ONCE = {
  MAINTENANCE_SCHEDULES: 'true',
  RECONCILE_INTERVAL: '1s',
  RECONCILE_MIN_AGE: '1ms',
};

/** Keys of this test process: generated, never the defaults of anything (the service has none). */
export const TEST_ADMIN_API_KEY = `twk_admin_${randomBytes(24).toString('hex')}`;
export const TEST_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** The admin key unless the test sends its own `authorization` (an empty one sends none). */
export function withAdminKey(headers: Record<string, string> = {}): Record<string, string> {
  const { authorization = `Bearer ${TEST_ADMIN_API_KEY}`, ...rest } = headers;
  return authorization ? { ...rest, authorization } : rest;
}

/** Test-only settings on top of the defaults: a task queue of the test's own, quiet logs, a prebuilt bundle. */
export function testConfig(db: TestDatabase, env: Record<string, string> = {}): Config {
  return loadConfig(testEnvironment(db, env));
}

/** The same settings as environment variables, for a service run as its own process. */
export function testEnvironment(db: TestDatabase, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: testEnv('temporalAddress'),
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(6).toString('hex')}`,
    WORKFLOW_BUNDLE_PATH: testEnv('workflowBundle'),
    LOG_LEVEL: 'silent',
    WORKER_SHUTDOWN_GRACE: '1s',
    // Schedules outlive a test's worker; the tests of the reconciler and retention turn them on.
    MAINTENANCE_SCHEDULES: 'false',
    // Receivers are local servers: loopback is opened as an operator would for them.
    ALLOWED_PRIVATE_CIDRS: '127.0.0.0/8',
    ADMIN_API_KEY: TEST_ADMIN_API_KEY,
    ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
    // The rate limit has a test of its own; elsewhere it would only make load tests flaky.
    RATE_LIMIT_PER_MINUTE: '0',
    // Metrics ports are free ones: tests run side by side.
    METRICS_HOST: '127.0.0.1',
    METRICS_PORT: '0',
    TEMPORAL_METRICS_PORT: '0',
    ...FAST_RETRY,
    ...env,
  };
}

/** Calls the API and parses its JSON answer. */
export async function callApi<T>(baseUrl: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
  const response = await fetch(baseUrl + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

/**
 * The whole service against the real servers: API on a free port of 127.0.0.1, worker on its own task queue.
 * `pool` replaces the test database's own (one reaching Postgres through a TCP proxy, say).
 */
export async function startStack(
  db: TestDatabase,
  env: Record<string, string> = {},
  options: { logger?: (config: Config) => Logger; pool?: Pool; tracing?: Tracing } = {},
): Promise<Stack> {
  const config = testConfig(db, env);
  const logger = options.logger?.(config) ?? pino({ level: config.LOG_LEVEL });
  const service = await startService({ config, pool: options.pool ?? db.pool, logger, host: '127.0.0.1', port: 0, metricsPort: 0, tracing: options.tracing });
  return {
    config,
    baseUrl: service.baseUrl,
    client: service.client,
    worker: service.worker,
    metricsUrl: service.metricsUrl,
    api: (method, path, body, headers) => callApi(service.baseUrl, method, path, body, withAdminKey(headers)),
    stop: () => service.stop(),
  };
}

/** The API alone, in this process, for tests that run the worker as a process of its own. */
export async function startApi(db: TestDatabase, env: Record<string, string> = {}, options: { pool?: Pool } = {}): Promise<ApiStack> {
  const config = testConfig(db, env);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const pool = options.pool ?? db.pool;
  const logger = pino({ level: 'silent' });
  // As `npm run api` runs it: workflows start after the answer unless PUBLISH_STARTS_AFTER_ANSWER=false.
  const { app, close: closeApp } = composeApp(config, { pool, temporal: client, logger });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    config,
    baseUrl,
    client,
    api: (method, path, body, headers) => callApi(baseUrl, method, path, body, withAdminKey(headers)),
    async stop() {
      await closeServer(server);
      await closeApp();
      await connection.close();
    },
  };
}
