/** `GET /metrics` on its own port, scraped after real deliveries to real receivers. */
import { useDatabase, useReceivers, useStack } from './helpers/fixtures';
import { scrape } from './helpers/prometheus';
import { respondWith } from './helpers/receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';

const db = useDatabase('metrics');
/** Starts a receiver that stays up until the file's tests are done. */
const newReceiver = useReceivers();
// Two failed attempts in a row open a circuit; the window of 4 s makes a dead letter soon.
const stack = useStack(db, { CIRCUIT_BREAKER_THRESHOLD: '2' });

test('the metrics port answers deliveries, attempts, publish timings, health gauges and process metrics, and nothing per org, config or URL', async () => {
  const ok = await newReceiver(respondWith(200));
  const failing = await newReceiver(respondWith(500));
  const org = uniqueOrg();
  await subscribe(stack, org, ok.url, { configId: 'ok-endpoint' });
  await subscribe(stack, org, failing.url, { configId: 'failing-endpoint' });
  expect((await stack.api('PUT', `/webhooks/${org}/configs/spare-endpoint`, { url: ok.url, eventNames: ['order.created'], enabled: false })).status).toBe(201);

  const published = await publish(stack, org);
  const byConfig = Object.fromEntries(published.deliveries.map((d) => [d.configId, d.deliveryId]));
  await waitForStatus(stack, org, byConfig['ok-endpoint'], 'delivered');
  await waitForStatus(stack, org, byConfig['failing-endpoint'], 'dead_lettered');

  // The API's port has no metrics; the metrics port has nothing else.
  expect((await fetch(`${stack.baseUrl}/metrics`)).status).not.toBe(200);
  expect((await fetch(stack.metricsUrl.replace('/metrics', '/'))).status).toBe(404);
  expect(new URL(stack.metricsUrl).port).not.toBe(new URL(stack.baseUrl).port);

  const metrics = await eventually(async () => {
    const scraped = await scrape(stack.metricsUrl);
    return (scraped.value('webhook_dead_letters_open') ?? 0) >= 1 ? scraped : undefined;
  }, 10_000, 'the dead letter to show in the gauge');

  expect(metrics.value('webhook_deliveries_total', { status: 'delivered' })).toBe(1);
  expect(metrics.value('webhook_deliveries_total', { status: 'dead_lettered' })).toBe(1);
  expect(metrics.value('webhook_attempts_total', { result: '2xx' })).toBe(1);
  expect(metrics.value('webhook_attempts_total', { result: '5xx' })).toBe(failing.requests.length);
  expect(failing.requests.length).toBeGreaterThanOrEqual(2);
  expect(metrics.value('webhook_attempt_duration_seconds_count', { result: '2xx' })).toBe(1);
  expect(metrics.value('webhook_attempt_duration_seconds_count', { result: '5xx' })).toBe(failing.requests.length);
  expect(metrics.value('webhook_publish_duration_seconds_count', { route: '/webhooks/:orgId/events', status: '202' })).toBe(1);
  expect(metrics.value('webhook_dead_letters_open')).toBe(1);
  expect(metrics.value('webhook_configs_disabled')).toBe(1);
  expect(metrics.value('webhook_circuit_open')).toBe(1);
  for (const family of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    expect(metrics.families).toContain(family);
  }

  // Bounded labels: no org, config, URL or id appears anywhere in the text.
  const webhookSamples = metrics.samples.filter((s) => s.name.startsWith('webhook_'));
  const labelKeys = new Set(webhookSamples.flatMap((s) => Object.keys(s.labels)));
  expect([...labelKeys].sort()).toEqual(['le', 'result', 'route', 'status']);
  for (const value of [org, 'ok-endpoint', 'failing-endpoint', ok.url, failing.url, published.eventId, ...Object.values(byConfig)]) {
    expect({ value, found: metrics.text.includes(value) }).toEqual({ value, found: false });
  }
});
