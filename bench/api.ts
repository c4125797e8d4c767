/** HTTP calls of the benchmark to the service's API: subscribing, publishing in a closed or an open loop, and latencies to receipt. */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { BenchReceiver } from './receiver';
import { runPool, sleep } from './stats';

export const EVENT_NAME = 'bench.event';

export const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });

/**
 * The service's admin API key for this run, given to the service as ADMIN_API_KEY and sent on every
 * API request; with ENCRYPTION_KEY (secrets at rest) and a rate limit far above what the bench sends.
 */
export const ADMIN_API_KEY = `twk_admin_${randomBytes(16).toString('hex')}`;
export const ENCRYPTION_KEY = randomBytes(32).toString('base64');

export async function call(baseUrl: string, method: 'PUT' | 'POST', urlPath: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await request(baseUrl + urlPath, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_API_KEY}` },
    body: JSON.stringify(body),
    dispatcher: agent,
  }).catch((error: unknown) => {
    throw new Error(`${method} ${baseUrl}${urlPath}: ${String(error)}`, { cause: error });
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? (JSON.parse(text) as unknown) : null };
}

export interface Published {
  eventId: string;
  workflowIds: string[];
}

export async function publish(baseUrl: string, org: string, data: Record<string, unknown>): Promise<Published> {
  const { status, json } = await call(baseUrl, 'POST', `/webhooks/${org}/events`, { eventName: EVENT_NAME, data });
  if (status !== 202) throw new Error(`publish answered ${status}: ${JSON.stringify(json)}`);
  const answer = json as { eventId: string; deliveries: { workflowId: string }[] };
  return { eventId: answer.eventId, workflowIds: answer.deliveries.map((d) => d.workflowId) };
}

export async function subscribe(baseUrl: string, org: string, configId: string, url: string, extra: Record<string, unknown> = {}): Promise<void> {
  const { status, json } = await call(baseUrl, 'PUT', `/webhooks/${org}/configs/${configId}`, { url, eventNames: [EVENT_NAME], ...extra });
  if (status !== 201 && status !== 200) throw new Error(`config answered ${status}: ${JSON.stringify(json)}`);
}

/** Publishes `count` events with `concurrency` clients in a closed loop; each event's send and 202 times too. */
export async function publishMany(
  baseUrl: string,
  org: string,
  count: number,
  concurrency: number,
): Promise<{ published: Published[]; sent: Sent[]; firstAt: number; seconds: number }> {
  const published: Published[] = new Array(count);
  const sent: Sent[] = new Array(count);
  const firstAt = performance.now();
  await runPool(count, concurrency, async (i) => {
    const sentAt = performance.now();
    published[i] = await publish(baseUrl, org, { i });
    sent[i] = { eventId: published[i].eventId, sentAt, acceptedAt: performance.now() };
  });
  return { published, sent, firstAt, seconds: (performance.now() - firstAt) / 1000 };
}

export interface Sent {
  eventId: string;
  sentAt: number;
  acceptedAt: number;
}

/**
 * Publishes at a steady rate (open loop: a slow answer does not hold the next event back) for `seconds`,
 * or for as long as `keepGoing()` says so; resolves with the send and 202 times of each event.
 */
export async function publishAtRate(baseUrl: string, org: string, rate: number, until: number | (() => boolean)): Promise<Sent[]> {
  const keepGoing = typeof until === 'number' ? (i: number) => i < Math.max(1, Math.round(rate * until)) : (i: number) => i === 0 || until();
  const start = performance.now();
  const inFlight: Promise<Sent>[] = [];
  for (let i = 0; keepGoing(i); i += 1) {
    const wait = start + (i * 1000) / rate - performance.now();
    if (wait > 0) await sleep(wait);
    const sentAt = performance.now();
    const sending = publish(baseUrl, org, { i }).then(({ eventId }) => ({ eventId, sentAt, acceptedAt: performance.now() }));
    // Handled where they are awaited together; marked handled now so that one failing early is reported there.
    sending.catch(() => undefined);
    inFlight.push(sending);
  }
  return Promise.all(inFlight);
}

/** Publish → receipt and 202 → receipt latencies of events sent by publishAtRate, once all have arrived (within `waitMs`). */
export async function latencies(receiver: BenchReceiver, sending: Promise<Sent[]>, waitMs: number) {
  const sent = await sending;
  await receiver.waitFor(
    sent.map((s) => s.eventId),
    waitMs,
  );
  return {
    total: sent.map((s) => receiver.receipts.get(s.eventId)! - s.sentAt),
    afterAccept: sent.map((s) => receiver.receipts.get(s.eventId)! - s.acceptedAt),
  };
}
