/**
 * docs/grafana-dashboard.json reads only metrics that exist: the API and the worker run as
 * `npm run api` and `npm run worker` would, and their three metrics ports are scraped after a delivery
 * that failed once and was delivered on its retry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { useDatabase, useReceiver, useServiceProcesses } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type Scrape, scrape } from './helpers/prometheus';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { testEnvironment } from './helpers/stack';

const db = useDatabase('grafana-dashboard');
const startServices = useServiceProcesses();
// The first answer is a 503, so that the delivery takes a regular activity after its local first attempt
// and the worker serves the activity-task metrics as well.
const receiver = useReceiver((_request, res, index) => {
  res.writeHead(index === 0 ? 503 : 200).end();
});

/** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or variables. */
function metricsOf(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, '').replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const words = withoutLabels.match(/\$?[a-zA-Z_:][a-zA-Z0-9_:]*(?=\s*[^\w(]|\s*$)/g) ?? [];
  return words.filter((word) => !word.startsWith('$') && /_/.test(word));
}

test('every metric the Grafana dashboard reads is served by the API or the worker', async () => {
  const [apiPort, apiMetrics, workerMetrics, temporalMetrics] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const common = testEnvironment(db, { HOST: '127.0.0.1', METRICS_HOST: '127.0.0.1' });
  const stack = await startServices(
    { ...common, PORT: String(apiPort), METRICS_PORT: String(apiMetrics) },
    { ...common, METRICS_PORT: String(workerMetrics), TEMPORAL_METRICS_PORT: String(temporalMetrics) },
  );
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const published = await publish(stack, org);
  await waitForStatus(stack, org, published.deliveries[0].deliveryId, 'delivered');

  const scrapes: Scrape[] = await eventually(async () => {
    const all = await Promise.all([apiMetrics, workerMetrics, temporalMetrics].map((port) => scrape(`http://127.0.0.1:${port}/metrics`)));
    return all[2].text.includes('temporal_') ? all : undefined;
  }, 15_000, 'the worker metrics to be served');
  const served = new Set(scrapes.flatMap((s) => [...s.families, ...s.samples.map((sample) => sample.name)]));

  const dashboard = JSON.parse(readFileSync(path.join(__dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const used = dashboard.panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricsOf(target.expr).map((metric) => ({ panel: panel.title, metric }))));
  expect(used.length).toBeGreaterThan(10);
  // What the dashboard was built to show is in it.
  const names = new Set(used.map(({ metric }) => metric));
  for (const metric of ['webhook_attempts_total', 'webhook_attempt_duration_seconds_bucket', 'webhook_dead_letters_open', 'webhook_circuit_open', 'temporal_worker_task_slots_available']) {
    expect(names).toContain(metric);
  }
  const missing = used.filter(({ metric }) => !served.has(metric));
  expect(missing).toEqual([]);
});
