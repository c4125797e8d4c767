/** Steps the tests share: subscribing, publishing, reading deliveries and waiting for a status or a condition. */
import { randomBytes } from 'node:crypto';
import { scaled } from '../setup/test-env';
import { describeDelivery } from './diagnostics';
import type { ApiStack as Stack } from './stack';

export interface PublishAnswer {
  eventId: string;
  deliveries: { deliveryId: string; configId: string; workflowId: string }[];
}

export interface DeliveryAnswer {
  deliveryId: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  workflowId: string;
  temporalUiUrl: string;
  attempts: { attempt: number; startedAt: string; statusCode: number | null; error: string | null; durationMs: number; responseBody: string | null }[];
}

export const uniqueOrg = (): string => `org-${randomBytes(4).toString('hex')}`;

/** Registers the event type and one config pointing at `url`; returns the config's secret. */
export async function subscribe(
  stack: Stack,
  orgId: string,
  url: string,
  options: { eventName?: string; configId?: string; body?: Record<string, unknown> } = {},
): Promise<string> {
  const eventName = options.eventName ?? 'order.created';
  const registered = await stack.api('PUT', `/event-types/${eventName}`, {});
  if (registered.status !== 201 && registered.status !== 200) throw new Error(`event type: ${registered.status}`);
  const put = await stack.api<{ secret: string }>('PUT', `/webhooks/${orgId}/configs/${options.configId ?? 'main'}`, {
    url,
    eventNames: [eventName],
    ...options.body,
  });
  if (put.status !== 201) throw new Error(`config: ${put.status} ${JSON.stringify(put.body)}`);
  return put.body.secret;
}

export async function publish(stack: Stack, orgId: string, data: Record<string, unknown> = { n: 1 }, eventName = 'order.created'): Promise<PublishAnswer> {
  const response = await stack.api<PublishAnswer>('POST', `/webhooks/${orgId}/events`, { eventName, data });
  if (response.status !== 202) throw new Error(`publish: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Publishes `count` events (data `{ n }`) with at most `parallel` requests in flight. */
export async function publishMany(stack: Stack, orgId: string, count: number, parallel = 20): Promise<PublishAnswer[]> {
  const answers: PublishAnswer[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, i) => publish(stack, orgId, { n: start + i }));
    answers.push(...(await Promise.all(batch)));
  }
  return answers;
}

export async function getDelivery(stack: Stack, orgId: string, deliveryId: string): Promise<DeliveryAnswer> {
  const response = await stack.api<DeliveryAnswer>('GET', `/webhooks/${orgId}/deliveries/${deliveryId}`);
  if (response.status !== 200) throw new Error(`delivery: ${response.status}`);
  return response.body;
}

/**
 * Polls until `check` returns a value, or fails after `timeoutMs` (stretched by TEST_TIME_FACTOR),
 * naming what it waited for and, through `explain`, the state of things at the deadline.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 20_000,
  what = 'condition',
  explain?: () => Promise<string>,
): Promise<T> {
  const deadline = Date.now() + scaled(timeoutMs);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const state = explain ? await explain().catch((error: unknown) => `(no diagnostics: ${String(error)})`) : '';
      throw new Error(`timed out after ${scaled(timeoutMs)} ms waiting for ${what}${last ? `: ${String(last)}` : ''}${state ? `\n${state}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits for a delivery's status; on a time-out the error holds its row, its attempts and its workflow's last events. */
export async function waitForStatus(stack: Stack, orgId: string, deliveryId: string, status: string, timeoutMs = 20_000): Promise<DeliveryAnswer> {
  return eventually(
    async () => {
      const delivery = await getDelivery(stack, orgId, deliveryId);
      return delivery.status === status ? delivery : undefined;
    },
    timeoutMs,
    `delivery ${deliveryId} to be ${status}`,
    () => describeDelivery(stack, orgId, deliveryId),
  );
}

/**
 * A negative check with a named window: fails as soon as `check` turns false within `forMs`, for
 * assertions such as "nothing more arrives". Callers scale the window when a longer one is stricter.
 */
export async function holdsFor(check: () => boolean | Promise<boolean>, forMs: number, what: string): Promise<void> {
  const until = Date.now() + forMs;
  for (;;) {
    if (!(await check())) throw new Error(`expected ${what} for ${forMs} ms; it stopped holding after ${forMs - (until - Date.now())} ms`);
    if (Date.now() >= until) return;
    await new Promise((resolve) => setTimeout(resolve, Math.min(50, Math.max(until - Date.now(), 0))));
  }
}
