/**
 * The pure steps that decide what an answer means and how long a delivery waits: no servers.
 */
import {
  classifyAnswer,
  FINAL_CHECK_MARGIN_MS,
  type AnswerFacts,
  errorOutcome,
  heldBackOutcome,
  type HeldBackFacts,
  parseRetryAfter,
} from '../src/activities/attempt/outcome';
import { backoffAfter, retryDelay } from '../src/shared/retry-policy';

const retry = { initialIntervalMs: 10_000, backoffCoefficient: 2, maximumIntervalMs: 3_600_000, windowMs: 24 * 3_600_000 };
const now = 1_000_000;
const answer = (facts: Partial<AnswerFacts>): AnswerFacts => ({
  statusCode: 500,
  errorClass: null,
  retryAfterMs: null,
  realAttempts: 1,
  retry,
  windowEndsAt: now + retry.windowMs,
  now,
  ...facts,
});
const heldBack = (facts: Partial<HeldBackFacts>): HeldBackFacts => ({
  decision: 'concurrency',
  waitMs: 0,
  throttleDelayMs: 1_000,
  turnedAway: 1,
  realAttempts: 0,
  retry,
  windowEndsAt: now + retry.windowMs,
  now,
  jitter: 0,
  ...facts,
});

test('backoff follows the HTTP attempts of the window: 10 s, 20 s, 40 s, … capped at 1 h', () => {
  expect([1, 2, 3, 4].map((n) => backoffAfter(retry, n))).toEqual([10_000, 20_000, 40_000, 80_000]);
  expect(backoffAfter(retry, 20)).toBe(3_600_000);
  // No attempt yet (a delivery held back from the start) waits like one that failed once.
  expect(backoffAfter(retry, 0)).toBe(10_000);
});

test('one 500 after eight held-back waits waits the first interval: held-back waits are not attempts', () => {
  // The activity passes the window's HTTP attempts from Postgres, not Temporal's attempt counter (9 here).
  expect(classifyAnswer(answer({ statusCode: 500, realAttempts: 1 }))).toEqual({ kind: 'retry', delayMs: 10_000 });
});

test('Retry-After is a floor over the backoff, capped at the maximum interval', () => {
  // Shorter than the backoff: the backoff stands.
  expect(retryDelay(retry, 3, 1_000)).toBe(40_000);
  expect(retryDelay(retry, 3, 0)).toBe(40_000);
  // Longer: the receiver gets its wait.
  expect(retryDelay(retry, 1, 120_000)).toBe(120_000);
  // Longer than the maximum interval: capped.
  expect(retryDelay(retry, 1, 86_400_000)).toBe(3_600_000);
  expect(classifyAnswer(answer({ statusCode: 503, retryAfterMs: 1_000, realAttempts: 2 }))).toEqual({ kind: 'retry', delayMs: 20_000 });
});

test('Retry-After is read in seconds or as an HTTP date, on 429 and 503 only', () => {
  expect(parseRetryAfter(503, { 'retry-after': '1' }, now)).toBe(1_000);
  expect(parseRetryAfter(429, { 'retry-after': ' 120 ' }, now)).toBe(120_000);
  expect(parseRetryAfter(503, { 'retry-after': new Date(now + 30_000).toUTCString() }, now)).toBe(30_000);
  expect(parseRetryAfter(503, { 'retry-after': new Date(now - 30_000).toUTCString() }, now)).toBe(0);
  expect(parseRetryAfter(503, { 'retry-after': 'soon' }, now)).toBeNull();
  expect(parseRetryAfter(500, { 'retry-after': '1' }, now)).toBeNull();
  expect(parseRetryAfter(503, {}, now)).toBeNull();
});

test('2xx is delivered, 410 gone, a blocked destination stops, anything else retries', () => {
  expect(classifyAnswer(answer({ statusCode: 204 }))).toEqual({ kind: 'delivered' });
  expect(classifyAnswer(answer({ statusCode: 410 }))).toEqual({ kind: 'gone' });
  expect(classifyAnswer(answer({ statusCode: null, errorClass: 'destination_blocked' }))).toEqual({ kind: 'blocked' });
  expect(classifyAnswer(answer({ statusCode: null, errorClass: 'timeout' }))).toMatchObject({ kind: 'retry' });
  expect(classifyAnswer(answer({ statusCode: 302 }))).toMatchObject({ kind: 'retry' });
});

test('a failure whose next attempt would start after the window spends it', () => {
  expect(classifyAnswer(answer({ windowEndsAt: now + 10_001 }))).toEqual({ kind: 'retry', delayMs: 10_000 });
  expect(classifyAnswer(answer({ windowEndsAt: now + 10_000 }))).toEqual({ kind: 'window_spent', delayMs: 10_000 });
  // A Retry-After past the window spends it too.
  expect(classifyAnswer(answer({ statusCode: 503, retryAfterMs: 60_000, windowEndsAt: now + 30_000 }))).toMatchObject({ kind: 'window_spent' });
});

test('held back by the concurrency cap: the throttle delay, doubling each time turned away, up to 32 times', () => {
  expect([1, 2, 3, 6, 7, 50].map((turnedAway) => heldBackOutcome(heldBack({ turnedAway })).delayMs)).toEqual([1_000, 2_000, 4_000, 32_000, 32_000, 32_000]);
  expect(heldBackOutcome(heldBack({ turnedAway: 1, jitter: 0.5 }))).toEqual({ kind: 'wait', delayMs: 1_500 });
});

test('held back by the rate limit: the wait the bucket asks for; by an open circuit: at least the backoff of the real attempts', () => {
  expect(heldBackOutcome(heldBack({ decision: 'rate_limited', waitMs: 250, turnedAway: 9 }))).toEqual({ kind: 'wait', delayMs: 250 });
  expect(heldBackOutcome(heldBack({ decision: 'circuit_open', realAttempts: 3, turnedAway: 1 }))).toEqual({ kind: 'wait', delayMs: 40_000 });
  // Many held-back waits do not raise the backoff: it follows the 3 HTTP attempts only.
  expect(heldBackOutcome(heldBack({ decision: 'circuit_open', realAttempts: 3, turnedAway: 2 }))).toEqual({ kind: 'wait', delayMs: 40_000 });
});

test('a held-back wait that would pass the window is cut for a last look inside it; with no room left the window is spent', () => {
  expect(heldBackOutcome(heldBack({ windowEndsAt: now + 20_000 }))).toEqual({ kind: 'wait', delayMs: 1_000 });
  expect(heldBackOutcome(heldBack({ turnedAway: 6, windowEndsAt: now + 5_000 }))).toEqual({ kind: 'wait', delayMs: 5_000 - FINAL_CHECK_MARGIN_MS });
  expect(heldBackOutcome(heldBack({ turnedAway: 6, windowEndsAt: now + 1_500 }))).toEqual({ kind: 'window_spent', delayMs: 32_000 });
});

test('an attempt that could not be made at all backs off by its own count of tries, and ends with the window', () => {
  expect([1, 2, 3].map((tries) => errorOutcome({ tries, retry, windowEndsAt: now + retry.windowMs, now }))).toEqual([
    { kind: 'wait', delayMs: 10_000 },
    { kind: 'wait', delayMs: 20_000 },
    { kind: 'wait', delayMs: 40_000 },
  ]);
  expect(errorOutcome({ tries: 1, retry, windowEndsAt: now + 5_000, now })).toEqual({ kind: 'window_spent', delayMs: 10_000 });
});
