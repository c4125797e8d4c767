/**
 * One trace from POST /webhooks/{orgId}/events through the delivery workflow to the attempt and its
 * HTTP POST, exported over OTLP/HTTP by the API and the worker run as their own processes (as
 * `npm run api` and `npm run worker` run them), and joined by the receiver through `traceparent`.
 */
import { useDatabase, useFixture, useReceiver, useServiceProcesses } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type ReceivedSpan, startOtlpReceiver } from './helpers/otlp-receiver';
import { eventually, publish, subscribe, uniqueOrg, waitForStatus } from './helpers/scenario';
import { testEnvironment } from './helpers/stack';

const db = useDatabase('traces');
const receiver = useReceiver();
const collector = useFixture('OTLP collector', () => startOtlpReceiver(), (otlp) => otlp.close());
const startServices = useServiceProcesses();

const SERVER = 2;
const CLIENT = 3;

/** The span's ancestors, nearest first. */
function ancestorsOf(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const chain: ReceivedSpan[] = [];
  for (let parent = span.parentSpanId; parent; ) {
    const found = spans.find((s) => s.spanId === parent);
    if (!found) break;
    chain.push(found);
    parent = found.parentSpanId;
  }
  return chain;
}

test('a published event is one trace from the API request through the workflow to the attempt and its POST, and the receiver joins it', async () => {
  const apiPort = await freePort();
  const common = testEnvironment(db, {
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
    OTEL_SERVICE_NAME: 'webhooks-under-test',
    // The SDK's own setting: export spans 100 ms after they end, not 5 s.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  const stack = await startServices({ ...common, PORT: String(apiPort) }, common);
  const org = uniqueOrg();
  await subscribe(stack, org, receiver.url);
  const published = await publish(stack, org);
  const { deliveryId } = published.deliveries[0];
  await waitForStatus(stack, org, deliveryId, 'delivered');

  // The receiver got a W3C traceparent: version 00, a trace id, the id of the POST's span, sampled.
  const traceparent = String(receiver.requests[0].headers.traceparent ?? '');
  expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  const [, traceId, postSpanId] = traceparent.split('-');

  const trace = await eventually(
    async () => {
      const spans = collector.spans.filter((s) => s.traceId === traceId);
      const post = spans.find((s) => s.spanId === postSpanId);
      return post && ancestorsOf(post, spans).some((s) => s.kind === SERVER) ? spans : undefined;
    },
    15_000,
    'the whole trace to be exported',
  );

  const post = trace.find((s) => s.spanId === postSpanId)!;
  expect(post).toMatchObject({ kind: CLIENT, service: 'webhooks-under-test' });
  expect(post.name).toMatch(/^POST/);
  expect(post.attributes['url.full'] ?? post.attributes['http.url']).toBe(receiver.url);

  // Parent to child, from the API's request to the POST: every step is an ancestor of the next.
  const chain = [post, ...ancestorsOf(post, trace)].reverse().map((s) => s.name);
  const steps = [
    'POST /webhooks/:orgId/events',
    'publish',
    'StartWorkflow:deliveryWorkflow',
    'RunWorkflow:deliveryWorkflow',
    'StartActivity:attemptDelivery',
    'RunActivity:attemptDelivery',
    post.name,
  ];
  expect(chain.filter((name) => steps.includes(name))).toEqual(steps);
  expect(chain[0]).toBe('POST /webhooks/:orgId/events');

  const attempt = trace.find((s) => s.name === 'RunActivity:attemptDelivery')!;
  expect(attempt.attributes).toMatchObject({ 'webhook.delivery_id': deliveryId, 'webhook.attempt.result': '2xx', 'http.response.status_code': 200 });
  const publishSpan = trace.find((s) => s.name === 'publish')!;
  expect(publishSpan.attributes).toMatchObject({ 'webhook.event_id': published.eventId, 'webhook.org_id': org });
});
