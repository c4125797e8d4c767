/**
 * Per-file fixtures: each registers its own `beforeAll`/`afterAll` (so it is called at a file's top level
 * or inside a `describe`) and returns a handle that stands for the started thing inside tests and hooks.
 */
import type { Config } from '../../src/config';
import { createPool, type Pool } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import type { Tracing } from '../../src/observability/tracing';
import { createTestDatabase, type TestDatabase } from './database';
import { checkedAgainstDocument } from './openapi';
import { type Receiver, type Responder, startReceiver } from './receiver';
import { spawnService } from './service-process';
import { type ApiStack, callApi, type Stack, startApi, startStack, withAdminKey } from './stack';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';

/** A value or a function of nothing, read when the fixture starts (after earlier fixtures have). */
export type Lazy<T> = T | (() => T);

const resolve = <T>(value: Lazy<T>): T => (typeof value === 'function' ? (value as () => T)() : value);

/**
 * An object that forwards every property to what `current()` returns at the time of use: the handle a
 * fixture returns before its `beforeAll` has run. Methods are bound to the current target.
 */
export function handleTo<T extends object>(what: string, current: () => T | undefined): T {
  const target = (): T => {
    const value = current();
    if (value === undefined) throw new Error(`${what} is used outside a test or before its beforeAll ran`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const object = target();
      const value: unknown = Reflect.get(object, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor(_, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(target(), key);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}

/** Once for the file (or describe) it is called in, or afresh for each of its tests. */
export type Scope = 'all' | 'each';

/**
 * What fixtures have started and not yet stopped, in order. Jest runs the `after*` hooks of a block in
 * the order they were declared; a fixture stops whatever started after it first, so that things stop in
 * the reverse order of their start (a stack before its database) whatever the order of the hooks.
 */
const running: { stop(): Promise<void> }[] = [];

function started(stop: () => Promise<void>): () => Promise<void> {
  const entry = { stop };
  running.push(entry);
  return async () => {
    const index = running.indexOf(entry);
    if (index < 0) return;
    for (const later of running.splice(index).reverse()) await later.stop();
  };
}

/**
 * Starts a thing in `beforeAll` and stops it in `afterAll` (`beforeEach`/`afterEach` with scope `each`),
 * and hands it out through a handle.
 */
export function useFixture<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (value: T) => Promise<void>,
  scope: Scope = 'all',
  /** Jest's timeout for the start and for the stop, when the default is too short (a Temporal cluster). */
  timeoutMs?: number,
): T {
  let value: T | undefined;
  let stopAll: (() => Promise<void>) | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    const current = await start();
    value = current;
    stopAll = started(async () => {
      value = undefined;
      await stop(current);
    });
  }, timeoutMs);
  (scope === 'each' ? afterEach : afterAll)(async () => {
    await stopAll?.();
    stopAll = undefined;
  }, timeoutMs);
  return handleTo(what, () => value);
}

/** A database of the file's own, migrated unless `migrate: false`; dropped after the file's tests. */
export function useDatabase(label: string, options: { migrate?: boolean } = {}): TestDatabase {
  return useFixture(`database ${label}`, () => createTestDatabase(label, options), (db) => db.drop());
}

/**
 * A receiver on a free port of 127.0.0.1, closed after the tests of the file (or describe). With scope
 * `each` every test gets its own, on a port of its own: deliveries a previous test left retrying against
 * the stack it shares cannot reach it, and its `requests` hold only this test's.
 */
export function useReceiver(responder?: Responder, options: { port?: number; scope?: Scope } = {}): Receiver {
  return useFixture('receiver', () => startReceiver(responder, { port: options.port }), (receiver) => receiver.close(), options.scope);
}

export interface ApiOptions {
  /** Replaces the database's own pool (one through a TCP proxy, say). */
  pool?: Pool;
  /** Checks every answer against the OpenAPI document. */
  checked?: boolean;
}

export interface StackOptions extends ApiOptions {
  logger?: (config: Config) => Logger;
  tracing?: Tracing;
}

/** The whole service (API and worker) against `db`, started once for the file (or describe). */
export function useStack(db: TestDatabase, env: Lazy<Record<string, string>> = {}, options: Lazy<StackOptions> = {}): Stack {
  return useFixture(
    'stack',
    async () => {
      const { checked, ...rest } = resolve(options);
      const stack = await startStack(db, resolve(env), rest);
      return checked ? checkedAgainstDocument(stack) : stack;
    },
    (stack) => stack.stop(),
  );
}

/** The API alone against `db` (for tests that run the worker elsewhere), started once for the file (or describe). */
export function useApi(db: TestDatabase, env: Lazy<Record<string, string>> = {}, options: Lazy<ApiOptions> = {}): ApiStack {
  return useFixture(
    'API',
    async () => {
      const { checked, ...rest } = resolve(options);
      const api = await startApi(db, resolve(env), rest);
      return checked ? checkedAgainstDocument(api) : api;
    },
    (api) => api.stop(),
  );
}

/** Makes `stop` safe to call twice: the second call waits for the first. */
function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= stop());
}

/**
 * For tests that need stacks of their own (settings of their own, or a stack they stop midway): `start`
 * starts one, and every stack started in a test is stopped after it, unless the test stopped it already.
 */
export function useStackStarter(db: TestDatabase): { start(env?: Record<string, string>, options?: StackOptions): Promise<Stack> } {
  const stops: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return {
    async start(env = {}, options = {}) {
      const { checked, ...rest } = options;
      const stack = await startStack(db, env, rest);
      const stop = once(() => stack.stop());
      stops.push(started(stop));
      const own: Stack = { ...stack, stop };
      return checked ? checkedAgainstDocument(own) : own;
    },
  };
}

/**
 * A TCP proxy in front of `db`'s Postgres and a pool of `max` connections through it, for a test to cut
 * Postgres away from what uses that pool; given back after every test.
 */
export function usePostgresProxy(db: TestDatabase, options: { max: number }): { proxy: TcpProxy; pool: Pool } {
  const handle = useFixture(
    'Postgres proxy',
    async () => {
      const url = new URL(db.url);
      const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
      url.host = `127.0.0.1:${proxy.port}`;
      const pool = createPool({ connectionString: url.toString(), max: options.max });
      // A cut connection errors while idle too; the pool drops it and the next query connects anew.
      pool.on('error', () => undefined);
      return { proxy, pool };
    },
    async ({ proxy, pool }) => {
      await pool.end();
      await proxy.close();
    },
  );
  afterEach(async () => {
    await handle.proxy.restore();
  });
  return handle;
}

/**
 * For tests that start receivers as they go: each one the function starts is closed after the file (or
 * describe), unless the test closed it already.
 */
export function useReceivers(): (responder?: Responder, options?: { port?: number }) => Promise<Receiver> {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return async (responder, options) => {
    const receiver = await startReceiver(responder, options);
    const close = once(() => receiver.close());
    stops.push(started(close));
    return { ...receiver, close };
  };
}

/**
 * For tests that run the API and the worker as processes of their own (as `npm run api` and `npm run
 * worker` run them): `start` spawns both, waits until they are up and answers a caller of that API; both
 * are ended after the file. `api` must hold the PORT the API listens on.
 */
export function useServiceProcesses(): (api: Record<string, string>, worker: Record<string, string>) => Promise<ApiStack> {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return async (apiEnv, workerEnv) => {
    const children = [spawnService('api', apiEnv), spawnService('worker', workerEnv)];
    stops.push(
      started(async () => {
        for (const child of children) child.kill('SIGTERM');
        await Promise.all(children.map((child) => child.exited));
      }),
    );
    await Promise.all([children[0].waitForLog('API listening'), children[1].waitForLog('worker started')]);
    const baseUrl = `http://127.0.0.1:${apiEnv.PORT}`;
    return { api: (method: string, p: string, body?: unknown) => callApi(baseUrl, method, p, body, withAdminKey()) } as unknown as ApiStack;
  };
}
