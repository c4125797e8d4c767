/**
 * Signing secrets, receiver credentials and the service's own keys stay out of Postgres (in the clear),
 * out of every log line (at trace level), out of the workflow histories Temporal keeps, out of the
 * metrics text, out of every span attribute (the traces of this process go to an in-memory exporter),
 * and out of the answers of test sends.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { createLogger } from '../src/logger';
import { createInstrumentations } from '../src/observability/instrumentations';
import { startTracing, type Tracing } from '../src/observability/tracing';
import { useDatabase, useFixture, useReceiver, useStack } from './helpers/fixtures';
import { textSink } from './helpers/log-sink';
import { respondWith } from './helpers/receiver';
import { waitForStatus } from './helpers/scenario';
import { TEST_ADMIN_API_KEY, TEST_ENCRYPTION_KEY } from './helpers/stack';

const logs: string[] = [];
const spans = new InMemorySpanExporter();

const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
const bearerToken = `bearer-${randomBytes(12).toString('hex')}`;
const basicPassword = `pw-${randomBytes(12).toString('hex')}`;
const clientSecret = `cs-${randomBytes(12).toString('hex')}`;
const accessToken = `at-${randomBytes(12).toString('hex')}`;
/** A token some receivers take in the query string of their URL. */
const urlToken = `qt-${randomBytes(12).toString('hex')}`;

const forbidden = (): Record<string, string> => ({
  signingSecret,
  signingSecretKey: signingSecret.slice('whsec_'.length),
  bearerToken,
  basicPassword,
  basicHeader: Buffer.from(`hooks:${basicPassword}`).toString('base64'),
  clientSecret,
  accessToken,
  urlToken,
  encryptionKey: TEST_ENCRYPTION_KEY,
  adminKey: TEST_ADMIN_API_KEY,
});

const db = useDatabase('secret-leaks');
// Tracing is global to the process: later test files run without it.
const traced = useFixture(
  'tracing',
  async () => {
    const tracing: Tracing = startTracing({ OTEL_SERVICE_NAME: 'secret-leaks', OTEL_EXPORTER_OTLP_ENDPOINT: undefined }, { role: 'service', exporter: spans });
    return { tracing, unregisterInstrumentations: registerInstrumentations({ instrumentations: createInstrumentations() }) };
  },
  async ({ tracing, unregisterInstrumentations }) => {
    unregisterInstrumentations();
    await tracing.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  },
);
const stack = useStack(db, { LOG_LEVEL: 'trace' }, () => ({ logger: (config) => createLogger(config, textSink((text) => logs.push(text))), tracing: traced.tracing }));
const ok = useReceiver(respondWith(200, {}, 'ok'));
const failing = useReceiver(respondWith(500, {}, 'down'));
const tokens = useReceiver(
  respondWith(200, { 'content-type': 'application/json' }, JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 3600 })),
);

/** Every string in a history, with payload bytes decoded as text. */
function textOf(value: unknown, out: string[] = []): string[] {
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) textOf(item, out);
  else if (value && typeof value === 'object') for (const item of Object.values(value)) textOf(item, out);
  return out;
}

async function historyText(client: Client, workflowId: string): Promise<string> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return textOf(history).join('\n');
}

test('a delivery with every kind of credential leaves no secret in Postgres, the logs, the history, the metrics, the traces or a test send', async () => {
  const org = `org-${randomBytes(4).toString('hex')}`;
  expect((await stack.api('PUT', '/event-types/order.created', {})).status).toBe(201);
  const configs = {
    bearer: { url: `${ok.url}?token=${urlToken}`, secret: signingSecret, auth: { type: 'bearer', token: bearerToken } },
    basic: { url: failing.url, auth: { type: 'basic', username: 'hooks', password: basicPassword } },
    oauth: { url: ok.url, auth: { type: 'oauth2', tokenUrl: tokens.url.replace('/hook', '/token'), clientId: 'client', clientSecret } },
  };
  for (const [configId, body] of Object.entries(configs)) {
    const put = await stack.api('PUT', `/webhooks/${org}/configs/${configId}`, { ...body, eventNames: ['order.created'] });
    expect(put.status).toBe(201);
  }

  const published = await stack.api<{ deliveries: { deliveryId: string; configId: string; workflowId: string }[] }>('POST', `/webhooks/${org}/events`, {
    eventName: 'order.created',
    data: { order: 42 },
  });
  expect(published.status).toBe(202);
  const byConfig = Object.fromEntries(published.body.deliveries.map((d) => [d.configId, d]));
  await waitForStatus(stack, org, byConfig.bearer.deliveryId, 'delivered');
  await waitForStatus(stack, org, byConfig.oauth.deliveryId, 'delivered');
  await waitForStatus(stack, org, byConfig.basic.deliveryId, 'dead_lettered');

  // The credentials were used: the receivers saw them.
  expect(ok.requests.map((r) => r.headers.authorization).sort()).toEqual([`Bearer ${accessToken}`, `Bearer ${bearerToken}`]);
  expect(failing.requests[0]?.headers.authorization).toBe(`Basic ${forbidden().basicHeader}`);

  const { rows } = await db.pool.query<{ secret: string; auth: string }>('SELECT secret, auth FROM webhook_configs WHERE org_id = $1', [org]);
  const stored = rows.flatMap((row) => [row.secret, row.auth]);
  expect(stored.every((value) => value.startsWith('enc:v1:'))).toBe(true);

  const histories = await Promise.all(published.body.deliveries.map((d) => historyText(stack.client, d.workflowId)));
  expect(histories.join('\n')).toContain(byConfig.basic.deliveryId);
  expect(logs.length).toBeGreaterThan(0);

  // A test send to each config answers with its attempt: none of the credentials it was sent with.
  const testSends: string[] = [];
  for (const configId of Object.keys(configs)) {
    const answer = await stack.api('POST', `/webhooks/${org}/configs/${configId}/test`, {});
    expect(answer.status).toBe(200);
    testSends.push(JSON.stringify(answer.body));
  }
  expect(ok.requests.length).toBeGreaterThanOrEqual(4);

  const metrics = await (await fetch(stack.metricsUrl)).text();
  expect(metrics).toContain('webhook_attempts_total');

  await traced.tracing.spanProcessor.forceFlush();
  const finished = spans.getFinishedSpans();
  expect(finished.map((span) => span.name)).toEqual(expect.arrayContaining(['publish', 'RunWorkflow:deliveryWorkflow', 'RunActivity:attemptDelivery', 'POST']));
  const traceText = JSON.stringify(
    finished.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, resource: span.resource.attributes })),
  );

  const places = {
    postgres: stored.join('\n'),
    logs: logs.join(''),
    history: histories.join('\n'),
    metrics,
    traces: traceText,
    testSends: testSends.join('\n'),
  };
  for (const [place, text] of Object.entries(places)) {
    for (const [name, value] of Object.entries(forbidden())) {
      expect({ place, name, found: text.includes(value) }).toEqual({ place, name, found: false });
    }
  }
});
