/**
 * Per-file fixtures: each registers its own `beforeAll`/`afterAll` (so it is called at a file's top level
 * or inside a `describe`) and returns a handle that stands for the started thing inside tests and hooks.
 */
import type { Config } from '../../src/config';
import type { Pool } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import type { Tracing } from '../../src/observability/tracing';
import { createTestDatabase, type TestDatabase } from './database';
import { checkedAgainstDocument } from './openapi';
import { type Receiver, type Responder, startReceiver } from './receiver';
import { type ApiStack, type Stack, startApi, startStack } from './stack';

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
 * Starts a thing in `beforeAll` and stops it in `afterAll` (`beforeEach`/`afterEach` with scope `each`),
 * and hands it out through a handle.
 */
export function useFixture<T extends object>(what: string, start: () => Promise<T>, stop: (value: T) => Promise<void>, scope: Scope = 'all'): T {
  let value: T | undefined;
  (scope === 'each' ? beforeEach : beforeAll)(async () => {
    value = await start();
  });
  (scope === 'each' ? afterEach : afterAll)(async () => {
    if (value !== undefined) await stop(value);
    value = undefined;
  });
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
