/**
 * What an answer means for a delivery, and how long it waits before the next attempt. Pure: the
 * activity passes in the clock, the counts from Postgres and the jitter.
 */
import type { AdmissionDecision } from '../../core/endpoint-health';
import { backoffAfter, retryDelay } from '../../shared/retry-policy';
import type { RetrySettings } from '../../shared/settings';
import type { ErrorClass } from '../../core/http';

export type AttemptOutcome =
  | { kind: 'delivered' }
  /** 410: the endpoint is gone for good. */
  | { kind: 'gone' }
  /** The destination resolved to an address that is not allowed. */
  | { kind: 'blocked' }
  /** Retried after `delayMs`, which ends inside the window. */
  | { kind: 'retry'; delayMs: number }
  /** The next attempt would start after the window ends. */
  | { kind: 'window_spent'; delayMs: number }
  /** The config's `maxAttempts` HTTP attempts of this window are made. */
  | { kind: 'attempts_spent'; maxAttempts: number };

export interface AnswerFacts {
  /** null when no HTTP answer came back. */
  statusCode: number | null;
  /** The class of a network failure, null when an HTTP answer came back. */
  errorClass: ErrorClass | null;
  /** The receiver's `Retry-After`, in milliseconds, when it sent one with 429 or 503. */
  retryAfterMs: number | null;
  /** HTTP attempts of this window, this one included. Held-back waits are not attempts. */
  realAttempts: number;
  retry: RetrySettings;
  windowEndsAt: number;
  now: number;
}

export function isSuccess(statusCode: number | null): statusCode is number {
  return statusCode !== null && statusCode >= 200 && statusCode < 300;
}

export function classifyAnswer(facts: AnswerFacts): AttemptOutcome {
  if (isSuccess(facts.statusCode)) return { kind: 'delivered' };
  if (facts.statusCode === 410) return { kind: 'gone' };
  if (facts.errorClass === 'destination_blocked') return { kind: 'blocked' };
  const { maxAttempts } = facts.retry;
  if (maxAttempts !== undefined && facts.realAttempts >= maxAttempts) return { kind: 'attempts_spent', maxAttempts };
  const delayMs = retryDelay(facts.retry, facts.realAttempts, facts.retryAfterMs);
  return facts.now + delayMs < facts.windowEndsAt ? { kind: 'retry', delayMs } : { kind: 'window_spent', delayMs };
}

/** `Retry-After` on 429 and 503, in seconds or as an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(statusCode: number, headers: Record<string, string | string[] | undefined>, now: number): number | null {
  if (statusCode !== 429 && statusCode !== 503) return null;
  const raw = headers['retry-after'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return null;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.max(ms, 0) : null;
}

/** Room left in the window for the last look at a busy endpoint, before the window closes. */
export const FINAL_CHECK_MARGIN_MS = 1_000;

/**
 * A held-back wait that would run past the end of the retry window is cut short, so the delivery gets
 * one last look at the endpoint inside its window instead of being dead-lettered a whole wait early.
 */
export function heldBackDelay(delayMs: number, remainingMs: number): number {
  const latest = remainingMs - FINAL_CHECK_MARGIN_MS;
  return delayMs > latest && latest >= FINAL_CHECK_MARGIN_MS ? latest : delayMs;
}

/** Longest held-back wait over the concurrency cap: 32 × THROTTLE_RETRY_DELAY. */
const THROTTLE_DOUBLINGS = 5;

export interface HeldBackFacts {
  decision: Exclude<AdmissionDecision, 'admitted' | 'probe' | 'missing'>;
  /** The wait the rate limit asks for; 0 otherwise. */
  waitMs: number;
  throttleDelayMs: number;
  /** Times this delivery was turned away in a row, this one included. */
  turnedAway: number;
  /** HTTP attempts of this window so far. */
  realAttempts: number;
  retry: RetrySettings;
  windowEndsAt: number;
  now: number;
  /** Between 0 and 1: spreads the waits of deliveries held back together. */
  jitter: number;
}

export type HeldBackOutcome = { kind: 'wait'; delayMs: number } | { kind: 'window_spent'; delayMs: number };

/**
 * How long a held-back delivery waits. Behind an open circuit at least its own backoff, so a long
 * outage parks deliveries at the usual pace instead of waking each of them every cooldown. Over the
 * concurrency cap longer each time it is turned away: a queue of hundreds behind a slow endpoint then
 * costs little. Over the rate limit until the bucket has a token.
 */
export function heldBackOutcome(facts: HeldBackFacts): HeldBackOutcome {
  const backoff = facts.decision === 'circuit_open' ? backoffAfter(facts.retry, facts.realAttempts) : 0;
  const throttle = facts.throttleDelayMs * 2 ** Math.min(Math.max(facts.turnedAway, 1) - 1, THROTTLE_DOUBLINGS);
  const base = Math.max(facts.waitMs > 0 ? facts.waitMs : throttle, backoff);
  const delayMs = heldBackDelay(Math.ceil(base * (1 + facts.jitter)), facts.windowEndsAt - facts.now);
  return facts.now + delayMs < facts.windowEndsAt ? { kind: 'wait', delayMs } : { kind: 'window_spent', delayMs };
}

/**
 * The wait after an attempt that could not be made at all (Postgres unreachable, a secret under a key
 * this worker lacks): the backoff of its own count of such tries, inside the window like any other.
 */
export function errorOutcome(facts: { tries: number; retry: RetrySettings; windowEndsAt: number; now: number }): HeldBackOutcome {
  const delayMs = backoffAfter(facts.retry, facts.tries);
  return facts.now + delayMs < facts.windowEndsAt ? { kind: 'wait', delayMs } : { kind: 'window_spent', delayMs };
}
