/**
 * The service's Prometheus metrics (prom-client). Labels are bounded sets only: route patterns, status
 * codes, attempt results and delivery statuses; never an org, a config or a URL.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countHealth } from '../db/metrics';
import type { Pool } from '../db/pool';
import type { ErrorClass } from '../core/http';
import type { Logger } from '../logger';

/** What an HTTP attempt came to, as `webhook_attempts_total{result}` counts it. */
export const ATTEMPT_RESULTS = ['2xx', '3xx', '4xx', '5xx', 'timeout', 'network', 'blocked', 'held_back'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

/** Terminal statuses counted by `webhook_deliveries_total{status}`. */
export type DeliveryOutcome = 'delivered' | 'dead_lettered' | 'expired';

/** Seconds: publishing is a transaction (and its workflow starts, with PUBLISH_STARTS_AFTER_ANSWER=false), an attempt is one HTTP request. */
const PUBLISH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const ATTEMPT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function attemptResultOf(statusCode: number | null, errorClass: ErrorClass | null): AttemptResult {
  if (statusCode !== null) {
    if (statusCode >= 200 && statusCode < 300) return '2xx';
    if (statusCode >= 500) return '5xx';
    if (statusCode >= 400) return '4xx';
    return '3xx';
  }
  if (errorClass === 'timeout') return 'timeout';
  if (errorClass === 'destination_blocked') return 'blocked';
  return 'network';
}

export interface Metrics {
  registry: Registry;
  observePublish(route: string, status: number, seconds: number): void;
  countDelivery(status: DeliveryOutcome): void;
  /** One HTTP attempt (with its duration) or one held back without sending (without). */
  countAttempt(result: AttemptResult, seconds?: number): void;
  /** The health gauges, read from Postgres at each scrape: a worker registers them. */
  watchHealth(pool: Pool, logger: Logger): void;
}

/** `processMetrics` adds Node's own (CPU, memory, event loop, GC): entry points turn it on once per process. */
export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const publishDuration = new Histogram({
    name: 'webhook_publish_duration_seconds',
    help: 'Time to answer a publish request, by route pattern and HTTP status',
    labelNames: ['route', 'status'] as const,
    buckets: PUBLISH_BUCKETS,
    registers,
  });
  const deliveries = new Counter({
    name: 'webhook_deliveries_total',
    help: 'Deliveries that reached a final status: delivered, dead_lettered or expired',
    labelNames: ['status'] as const,
    registers,
  });
  const attempts = new Counter({
    name: 'webhook_attempts_total',
    help: 'Delivery attempts by result: 2xx, 3xx, 4xx, 5xx, timeout, network, blocked, or held_back (nothing sent)',
    labelNames: ['result'] as const,
    registers,
  });
  const attemptDuration = new Histogram({
    name: 'webhook_attempt_duration_seconds',
    help: 'Duration of HTTP delivery attempts, by result',
    labelNames: ['result'] as const,
    buckets: ATTEMPT_BUCKETS,
    registers,
  });
  for (const result of ATTEMPT_RESULTS) attempts.inc({ result }, 0);
  for (const status of ['delivered', 'dead_lettered', 'expired'] as const) deliveries.inc({ status }, 0);

  let watched = false;
  return {
    registry,
    observePublish: (route, status, seconds) => publishDuration.observe({ route, status: String(status) }, seconds),
    countDelivery: (status) => deliveries.inc({ status }),
    countAttempt(result, seconds) {
      attempts.inc({ result });
      if (seconds !== undefined) attemptDuration.observe({ result }, seconds);
    },
    watchHealth(pool, logger) {
      if (watched) return;
      watched = true;
      // One query per scrape serves all three gauges: the first gauge's collect reads, the others reuse it.
      let reading: Promise<Awaited<ReturnType<typeof countHealth>> | undefined> | undefined;
      const read = () => {
        reading ??= countHealth(pool)
          .catch((error: unknown) => {
            logger.warn({ err: error }, 'health gauges not read: Postgres unreachable');
            return undefined;
          })
          .finally(() => setTimeout(() => (reading = undefined), 0));
        return reading;
      };
      const gauge = (name: string, help: string, key: 'dead_letters_open' | 'configs_disabled' | 'circuits_open') =>
        new Gauge({
          name,
          help,
          registers,
          async collect() {
            const counts = await read();
            if (counts) this.set(counts[key]);
          },
        });
      gauge('webhook_dead_letters_open', 'Dead letters not yet retried and not expired', 'dead_letters_open');
      gauge('webhook_configs_disabled', 'Webhook configs that are disabled', 'configs_disabled');
      gauge('webhook_circuit_open', 'Webhook configs whose circuit breaker is open', 'circuits_open');
    },
  };
}
