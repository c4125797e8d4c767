/**
 * A config's own retry policy as arithmetic: how it merges over the service's defaults, and how
 * `maxAttempts` ends a window. Pure: no servers.
 */
import { classifyAnswer } from '../src/activities/attempt/outcome';
import { applyRetryOverride, maxAttemptsPerWindow, retryOverrideOf } from '../src/shared/retry-policy';

const defaults = { initialIntervalMs: 10_000, backoffCoefficient: 2, maximumIntervalMs: 3_600_000, windowMs: 24 * 3_600_000 };
const now = 1_000_000;

test('the API form becomes milliseconds, and only the fields set override', () => {
  expect(retryOverrideOf({ initialInterval: '30s', window: '48h', maxAttempts: 8 })).toEqual({ initialIntervalMs: 30_000, windowMs: 48 * 3_600_000, maxAttempts: 8 });
  expect(retryOverrideOf({ maxInterval: 2_500, backoff: 1.5 })).toEqual({ maximumIntervalMs: 2_500, backoffCoefficient: 1.5 });
  expect(retryOverrideOf({})).toBeNull();
  expect(retryOverrideOf(null)).toBeNull();
  expect(applyRetryOverride(defaults, { initialIntervalMs: 30_000, maxAttempts: 8 })).toEqual({ ...defaults, initialIntervalMs: 30_000, maxAttempts: 8 });
  expect(applyRetryOverride(defaults, null)).toBe(defaults);
});

test('a longest wait set below the first one is raised to it', () => {
  expect(applyRetryOverride(defaults, { initialIntervalMs: 2 * 3_600_000, maximumIntervalMs: 60_000 }).maximumIntervalMs).toBe(2 * 3_600_000);
});

test('maxAttempts ends the window at that HTTP attempt, whatever time is left in it', () => {
  const retry = applyRetryOverride(defaults, { maxAttempts: 3 });
  const facts = { statusCode: 500, errorClass: null, retryAfterMs: null, retry, windowEndsAt: now + retry.windowMs, now };
  expect(classifyAnswer({ ...facts, realAttempts: 2 })).toEqual({ kind: 'retry', delayMs: 20_000 });
  expect(classifyAnswer({ ...facts, realAttempts: 3 })).toEqual({ kind: 'attempts_spent', maxAttempts: 3 });
  // A success on the last attempt is delivered, and a 410 still disables.
  expect(classifyAnswer({ ...facts, realAttempts: 3, statusCode: 204 })).toEqual({ kind: 'delivered' });
  expect(classifyAnswer({ ...facts, realAttempts: 3, statusCode: 410 })).toEqual({ kind: 'gone' });
  expect(maxAttemptsPerWindow(retry)).toBe(3);
  expect(maxAttemptsPerWindow(defaults)).toBe(32);
});
