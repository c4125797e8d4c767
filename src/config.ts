/** The service's configuration: one zod schema, parsed once at start-up and frozen. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { decodeKey } from './core/secret-box';
import { parseDurationMs } from './shared/durations';
import { DEFAULT_TASK_QUEUE, type RetrySettings } from './shared/settings';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDurationMs(text);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: `expected a duration such as 10s, 5m, 1h or 14d, got "${text}"` });
        return z.NEVER;
      }
      return ms;
    });

const integer = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((value) => value === 'true' || value === '1');

function isCidr(text: string): boolean {
  const [network = '', prefix = '', extra] = text.split('/');
  const family = isIP(network);
  return extra === undefined && family !== 0 && /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

const cidrList = z
  .string()
  .default('')
  .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().refine(isCidr, 'expected CIDR ranges such as 10.0.0.0/8 or fd00::/8, comma-separated')));

const isEncryptionKey = (text: string): boolean => decodeKey(text) !== undefined;
const ENCRYPTION_KEY_HINT = 'expected 32 random bytes in base64, for example from `openssl rand -base64 32`';

const urlString = z.string().refine((value) => URL.canParse(value), 'expected a URL');

/**
 * Every setting the service reads, one zod schema. Entry points call `loadConfig(process.env)` once;
 * everything else receives the frozen result.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development').describe('Runtime mode'),
  PORT: integer(3000, 0, 65535).describe('HTTP port of the API'),
  HOST: z.string().default('0.0.0.0').describe('Interface the API listens on'),
  DATABASE_URL: urlString.describe('Postgres connection string'),
  DATABASE_POOL_SIZE: integer(10, 1, 200).describe('Connections per process'),
  TEMPORAL_ADDRESS: z.string().default('localhost:7233').describe('Temporal frontend host:port'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default').describe('Temporal namespace'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE).describe('Task queue of the delivery workers'),
  TEMPORAL_UI_URL: urlString.default('http://localhost:8233').describe('Base URL of the Temporal Web UI, used in links'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level'),
  MAX_PAYLOAD_BYTES: integer(1_048_576, 1024, 50 * 1_048_576).describe('Largest `data` of an event, in bytes of its JSON (10 MiB is tested end to end); an event type\'s `maxPayloadBytes` may only lower it. Request bodies may be 4 KiB larger'),
  DELIVERY_RETRY_INITIAL_INTERVAL: duration('10s').describe('First retry delay'),
  DELIVERY_RETRY_BACKOFF: z.coerce.number().min(1).max(10).default(2).describe('Backoff coefficient'),
  DELIVERY_RETRY_MAX_INTERVAL: duration('1h').describe('Longest delay between attempts'),
  DELIVERY_RETRY_WINDOW: duration('24h').describe('How long a delivery is retried before it is dead-lettered'),
  RETRY_POLICY_MIN_INTERVAL: duration('1s').describe('Shortest interval or window a config\'s own retry policy may set'),
  RETRY_POLICY_MAX_WINDOW: duration('72h').describe('Longest interval or window a config\'s own retry policy may set'),
  RETRY_POLICY_MAX_ATTEMPTS: integer(100, 1, 10_000).describe('Most attempts per window a config\'s own retry policy may set'),
  DEAD_LETTER_RETENTION: duration('14d').describe('How long a dead letter can still be retried'),
  SECRET_ROTATION_OVERLAP: duration('24h').describe('How long a rotated-out secret keeps signing'),
  ALLOWED_PRIVATE_CIDRS: cidrList.describe('Private or loopback ranges webhooks may reach, comma-separated (none by default)'),
  REQUIRE_HTTPS: flag(false).describe('Refuse webhook URLs that are not https'),
  DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS: integer(5, 1, 1000).describe('A config whose deliveries dead-letter this many times in a row is disabled'),
  DISABLE_AFTER_FAILING_FOR: duration('5d').describe('A config failing without a success for this long is disabled at its next dead letter'),
  CIRCUIT_BREAKER_THRESHOLD: integer(10, 1, 10_000).describe('Failed attempts in a row that open a config\'s circuit'),
  CIRCUIT_BREAKER_COOLDOWN: duration('30s').describe('How long an open circuit holds attempts back before one probe is let through'),
  THROTTLE_RETRY_DELAY: duration('1s').describe('Wait of an attempt held back by a config\'s concurrency cap'),
  MAINTENANCE_SCHEDULES: flag(true).describe('Whether the worker creates the reconciler and retention Schedules'),
  RECONCILE_INTERVAL: duration('30s').describe('How often the reconciler starts deliveries that have no workflow'),
  RECONCILE_MIN_AGE: duration('10s').describe('Deliveries younger than this are left to the API that is starting them'),
  RECONCILE_CHECK_INTERVAL: duration('5m').describe('How often the reconciler asks Temporal about each delivery in flight; one whose workflow ended abnormally is dead-lettered'),
  HISTORY_RETENTION: duration('90d').describe('Events, deliveries and attempts older than this are purged'),
  RETENTION_INTERVAL: duration('1h').describe('How often the retention purge runs'),
  PURGE_BATCH_SIZE: integer(1000, 1, 100_000).describe('Rows deleted per purge statement'),
  ADMIN_API_KEY: z
    .string()
    .min(32, 'use at least 32 characters, for example `twk_admin_` and 32 random hex digits')
    .optional()
    .describe('Key with every scope, sent as `Authorization: Bearer …`; required by the API (no default)'),
  ENCRYPTION_KEY: z
    .string()
    .refine(isEncryptionKey, ENCRYPTION_KEY_HINT)
    .optional()
    .describe('AES-256-GCM key for secrets at rest, 32 bytes base64; required by the API and the worker (no default)'),
  ENCRYPTION_PREVIOUS_KEYS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(z.string().refine(isEncryptionKey, ENCRYPTION_KEY_HINT)))
    .describe('Retired encryption keys, comma-separated: still decrypt until `npm run rotate-encryption-key` has run'),
  RATE_LIMIT_PER_MINUTE: integer(6000, 0, 10_000_000).describe('API requests per key per minute in each API process (0 turns the limit off)'),
  DELIVERY_FIRST_ATTEMPT_LOCAL: flag(true).describe(
    'Run each delivery\'s first attempt as a local activity inside its first workflow task; later attempts are regular activities',
  ),
  TEMPORAL_EAGER_START: flag(true).describe(
    'Ask the server to hand a delivery\'s first workflow task straight back to the worker of the same process (npm start), when it has a free slot',
  ),
  PUBLISH_STARTS_AFTER_ANSWER: flag(true).describe(
    'Answer a publish once its event and deliveries are committed, and start their workflows right after, in the API process; false: the answer waits for the starts. Either way a start that fails is left to the reconciler',
  ),
  PUBLISH_START_CONCURRENCY: integer(256, 1, 10_000).describe('Workflow starts in flight at once in one API process, when they follow the answer'),
  PUBLISH_START_QUEUE_LIMIT: integer(50_000, 0, 10_000_000).describe(
    'Deliveries waiting for their workflow start in one API process; those beyond it are left to the reconciler',
  ),
  PUBLISH_START_DRAIN_GRACE: duration('10s').describe(
    'How long a stopping API process goes on starting the workflows of deliveries it accepted; those left are started by the reconciler',
  ),
  TEMPORAL_FAIRNESS: flag(true).describe(
    'Task queue fairness (`matching.enableFairness`) on the Temporal dev servers this project starts (npm start, the tests, the benchmark): each config\'s queued attempts take turns with the others\'. npm start keeps a `.data/temporal.db` created without it as it was (docs/operations.md)',
  ),
  TEMPORAL_EAGER_ACTIVITIES: flag(false).describe(
    'Eager activity execution (`system.enableActivityEagerExecution`) on the Temporal dev servers this project starts: an attempt scheduled by a workflow task goes straight back to that worker, past the task queue',
  ),
  WORKER_MAX_CONCURRENT_ACTIVITIES: integer(200, 1, 10_000).describe('Activity slots per worker'),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: integer(100, 1, 10_000).describe('Workflow task slots per worker'),
  WORKER_MAX_CACHED_WORKFLOWS: integer(100, 1, 100_000).describe(
    'Workflows a worker keeps cached between their tasks; raised to WORKER_MAX_CONCURRENT_WORKFLOW_TASKS when lower',
  ),
  WORKER_POLLER_AUTOSCALING: flag(false).describe(
    'Let the server\'s feedback scale the worker\'s workflow and activity task pollers (1 to 100, starting at 5) instead of a fixed number (10 each, fewer with fewer slots)',
  ),
  WORKER_MAX_EAGER_ACTIVITIES: integer(3, 0, 1000).describe(
    'Activity slots a worker may reserve per workflow task for eager execution (0 asks for none); used only where the server allows eager activities',
  ),
  WORKER_SHUTDOWN_GRACE: duration('30s').describe('How long a stopping worker lets attempts finish'),
  WORKFLOW_BUNDLE_PATH: z.string().optional().describe('Prebuilt workflow bundle; unset means bundle from source'),
  METRICS_PORT: integer(9464, 0, 65535).describe('Port of `GET /metrics` (Prometheus), apart from the API\'s; the API and the worker each serve one'),
  METRICS_HOST: z.string().default('0.0.0.0').describe('Interface the metrics port listens on'),
  TEMPORAL_METRICS_PORT: integer(9465, 0, 65535).describe('Port of the Temporal SDK\'s own worker metrics (Prometheus, `/metrics`), served by `npm run worker`'),
  OTEL_EXPORTER_OTLP_ENDPOINT: urlString.optional().describe('OTLP/HTTP collector base URL (traces go to `/v1/traces`); unset exports no traces'),
  OTEL_SERVICE_NAME: z.string().min(1).default('temporal-webhooks').describe('`service.name` of exported traces'),
});

export type Config = Readonly<z.infer<typeof configSchema>>;

export { ConfigError };

export function loadConfig(env: Record<string, string | undefined>): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

const devServerSchema = configSchema.pick({ TEMPORAL_FAIRNESS: true, TEMPORAL_EAGER_ACTIVITIES: true });

/**
 * The settings of a Temporal dev server this project starts, read on their own: npm start, the tests and
 * the benchmark start the server before the rest of the configuration is known.
 */
export function loadDevServerConfig(env: Record<string, string | undefined>): Readonly<z.infer<typeof devServerSchema>> {
  const input = Object.fromEntries(Object.entries(env).filter(([name, value]) => name in devServerSchema.shape && value !== undefined && value !== ''));
  const parsed = devServerSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return Object.freeze(parsed.data);
}

/** The production policy and its shortened variants come from here, never from literals elsewhere. */
export function retrySettings(config: Config): RetrySettings {
  return {
    initialIntervalMs: config.DELIVERY_RETRY_INITIAL_INTERVAL,
    backoffCoefficient: config.DELIVERY_RETRY_BACKOFF,
    maximumIntervalMs: config.DELIVERY_RETRY_MAX_INTERVAL,
    windowMs: config.DELIVERY_RETRY_WINDOW,
  };
}
