/** The configuration: its documented defaults, the production retry policy, parsing of durations, a frozen result and a description for every variable. */
import { ConfigError, configSchema, loadConfig, retrySettings } from '../src/config';
import { HISTORY_EVENTS_PER_RUN, HISTORY_EVENTS_PER_WINDOW, maxAttemptsPerWindow, RETRIES_PER_RUN } from '../src/shared/retry-policy';

const minimal = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/x' };

test('the production delivery retry policy: 10 s first retry, ×2, capped at 1 h, over a 24 h window', () => {
  const config = loadConfig(minimal);
  expect(retrySettings(config)).toEqual({
    initialIntervalMs: 10_000,
    backoffCoefficient: 2,
    maximumIntervalMs: 3_600_000,
    windowMs: 24 * 3_600_000,
  });
  expect(config.DEAD_LETTER_RETENTION).toBe(14 * 24 * 3_600_000);
  expect(config.SECRET_ROTATION_OVERLAP).toBe(24 * 3_600_000);
  expect(config.MAX_PAYLOAD_BYTES).toBe(1_048_576);
});

test('the production policy bounds a window at 32 HTTP attempts and a run at 840 history events (docs/operations.md)', () => {
  expect(maxAttemptsPerWindow(retrySettings(loadConfig(minimal)))).toBe(32);
  expect({ HISTORY_EVENTS_PER_WINDOW, RETRIES_PER_RUN, HISTORY_EVENTS_PER_RUN }).toEqual({
    HISTORY_EVENTS_PER_WINDOW: 40,
    RETRIES_PER_RUN: 20,
    HISTORY_EVENTS_PER_RUN: 840,
  });
});

test('documented defaults', () => {
  expect(loadConfig(minimal)).toMatchObject({
    PORT: 3000,
    TEMPORAL_ADDRESS: 'localhost:7233',
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: 'webhook-deliveries',
    TEMPORAL_UI_URL: 'http://localhost:8233',
    LOG_LEVEL: 'info',
  });
});

test('reliability defaults: auto-disable after 5 dead letters or 5 days failing, reconciler every 30 s, 90 days of history', () => {
  expect(loadConfig(minimal)).toMatchObject({
    DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS: 5,
    DISABLE_AFTER_FAILING_FOR: 5 * 24 * 3_600_000,
    CIRCUIT_BREAKER_THRESHOLD: 10,
    CIRCUIT_BREAKER_COOLDOWN: 30_000,
    MAINTENANCE_SCHEDULES: true,
    RECONCILE_INTERVAL: 30_000,
    HISTORY_RETENTION: 90 * 24 * 3_600_000,
  });
  expect(loadConfig({ ...minimal, MAINTENANCE_SCHEDULES: 'false' }).MAINTENANCE_SCHEDULES).toBe(false);
  expect(() => loadConfig({ ...minimal, MAINTENANCE_SCHEDULES: 'maybe' })).toThrow(/MAINTENANCE_SCHEDULES/);
});

test('durations are parsed and the retry policy can be shortened', () => {
  const config = loadConfig({ ...minimal, DELIVERY_RETRY_INITIAL_INTERVAL: '500ms', DELIVERY_RETRY_WINDOW: '2m', DELIVERY_RETRY_BACKOFF: '1.5' });
  expect(retrySettings(config)).toMatchObject({ initialIntervalMs: 500, windowMs: 120_000, backoffCoefficient: 1.5 });
});

test('the parsed configuration is frozen', () => {
  const config = loadConfig(minimal);
  expect(Object.isFrozen(config)).toBe(true);
});

test.each([
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['DATABASE_URL', ''],
  ['LOG_LEVEL', 'loud'],
  ['DELIVERY_RETRY_WINDOW', '24 hours'],
  ['DELIVERY_RETRY_BACKOFF', '0.5'],
  ['TEMPORAL_UI_URL', 'not a url'],
])('a bad %s (%p) fails naming the variable', (name, value) => {
  const env = { ...minimal, [name]: value };
  expect(() => loadConfig(env)).toThrow(ConfigError);
  expect(() => loadConfig(env)).toThrow(new RegExp(`\\b${name}\\b`));
});

test('every variable is described, for the README table', () => {
  for (const [name, schema] of Object.entries(configSchema.shape)) {
    if (name === 'NODE_ENV') continue;
    expect([name, typeof schema.description]).toEqual([name, 'string']);
  }
});
