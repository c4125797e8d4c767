/**
 * The delivery retry policy as arithmetic: the wait after each real HTTP attempt, and what that bounds.
 * Used by the attempt activity and by the tests and docs that state the bounds. Free of Node built-ins.
 */
import { parseDurationMs } from './durations';
import type { RetrySettings } from './settings';

/**
 * Backoff after the `realAttempts`-th HTTP attempt of a window (1 for the first):
 * initial × coefficient^(n-1), at most the maximum interval. Held-back waits are not attempts.
 */
export function backoffAfter(retry: RetrySettings, realAttempts: number): number {
  const n = Math.max(Math.floor(realAttempts), 1);
  return Math.min(retry.initialIntervalMs * retry.backoffCoefficient ** (n - 1), retry.maximumIntervalMs);
}

/**
 * The wait before the next attempt: the backoff, lengthened (never shortened) by the receiver's
 * `Retry-After`, and never longer than the maximum interval.
 */
export function retryDelay(retry: RetrySettings, realAttempts: number, retryAfterMs: number | null): number {
  return Math.min(Math.max(backoffAfter(retry, realAttempts), retryAfterMs ?? 0), retry.maximumIntervalMs);
}

/**
 * The most HTTP attempts one window can hold: the first at its start, each next one at least
 * `backoffAfter(n)` later, and none after the window ends. `Retry-After` and held-back waits only
 * lengthen the waits, so no answer of the receiver raises this. 32 for the default policy; a config's
 * `maxAttempts` lowers it.
 */
export function maxAttemptsPerWindow(retry: RetrySettings): number {
  let attempts = 1;
  for (let elapsed = backoffAfter(retry, 1); elapsed < retry.windowMs; elapsed += backoffAfter(retry, attempts)) attempts += 1;
  return retry.maxAttempts === undefined ? attempts : Math.min(attempts, retry.maxAttempts);
}

/** A config's own retry policy: each field set replaces the service's default. */
export interface RetryOverride {
  initialIntervalMs?: number;
  backoffCoefficient?: number;
  maximumIntervalMs?: number;
  windowMs?: number;
  maxAttempts?: number;
}

/** A config's `retry` as the API takes it: durations written like `500ms`, `10s`, `1h` (or milliseconds). */
export interface RetryPolicyInput {
  initialInterval?: string | number;
  backoff?: number;
  maxInterval?: string | number;
  window?: string | number;
  maxAttempts?: number;
}

const durationMs = (value: string | number | undefined): number | undefined =>
  value === undefined ? undefined : typeof value === 'number' ? value : parseDurationMs(value);

/** The override in milliseconds, as deliveries carry it. */
export function retryOverrideOf(input: RetryPolicyInput | null | undefined): RetryOverride | null {
  if (!input) return null;
  const override: RetryOverride = {
    initialIntervalMs: durationMs(input.initialInterval),
    backoffCoefficient: input.backoff,
    maximumIntervalMs: durationMs(input.maxInterval),
    windowMs: durationMs(input.window),
    maxAttempts: input.maxAttempts,
  };
  const set = Object.entries(override).filter(([, value]) => value !== undefined);
  return set.length === 0 ? null : (Object.fromEntries(set) as RetryOverride);
}

/** The policy of one delivery: the service's defaults, with the config's own values over them. */
export function applyRetryOverride(base: RetrySettings, override: RetryOverride | null | undefined): RetrySettings {
  if (!override) return base;
  const merged: RetrySettings = {
    initialIntervalMs: override.initialIntervalMs ?? base.initialIntervalMs,
    backoffCoefficient: override.backoffCoefficient ?? base.backoffCoefficient,
    maximumIntervalMs: override.maximumIntervalMs ?? base.maximumIntervalMs,
    windowMs: override.windowMs ?? base.windowMs,
  };
  // A longest wait below the first one would never be reached: the first wait is capped by it.
  merged.maximumIntervalMs = Math.max(merged.maximumIntervalMs, Math.min(merged.initialIntervalMs, merged.windowMs));
  const maxAttempts = override.maxAttempts ?? base.maxAttempts;
  return maxAttempts === undefined ? merged : { ...merged, maxAttempts };
}

/** Retries by a person (API or `retry` signal) one workflow run takes before it continues as new. */
export const RETRIES_PER_RUN = 20;

/** Most history events one window of attempts adds, whatever the receiver answers. */
export const HISTORY_EVENTS_PER_WINDOW = 40;

/** Most history events of one run: its first window, and one more per retry by a person. */
export const HISTORY_EVENTS_PER_RUN = HISTORY_EVENTS_PER_WINDOW * (RETRIES_PER_RUN + 1);
