/**
 * An API process that answered 202 and died before it started the deliveries' workflows (here it cannot
 * reach Temporal, then it is killed with SIGKILL): the committed rows are all the reconciler needs.
 */
import { TEMPORAL_CALL_DEADLINE_MS } from '../src/delivery/dispatcher';
import { reconcileScheduleId, retentionScheduleId } from '../src/shared/temporal';
import { useDatabase, useReceiver } from './helpers/fixtures';
import { freePort } from '../src/dev/free-port';
import { type PublishAnswer, waitForStatus } from './helpers/scenario';
import { type ServiceProcess, spawnService } from './helpers/service-process';
import { callApi, startStack, type Stack, testEnvironment, withAdminKey, RECONCILE_AT_ONCE } from './helpers/stack';
import { scaled } from './setup/test-env';

let api: ServiceProcess | undefined;
let stack: Stack | undefined;

// Before the fixtures below: it runs while they are still up.
afterAll(async () => {
  api?.kill('SIGKILL');
  if (stack) {
    const queue = stack.config.TEMPORAL_TASK_QUEUE;
    for (const id of [reconcileScheduleId(queue), retentionScheduleId(queue)]) await stack.client.schedule.getHandle(id).delete().catch(() => undefined);
    await stack.stop();
  }
});
const db = useDatabase('api-killed-before-start');
const receiver = useReceiver();

const CONFIGS = ['a', 'b', 'c'];
const EVENTS = 5;

test('deliveries answered 202 by an API killed before their workflows started are all started by the reconciler and delivered', async () => {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Nothing listens there: no start of this process can ever reach Temporal.
  const unreachable = `127.0.0.1:${await freePort()}`;
  const env = testEnvironment(db, { PORT: String(port), HOST: '127.0.0.1', TEMPORAL_ADDRESS: unreachable });
  api = spawnService('api', env);
  await api.waitForLog('API listening');
  const call = <T>(method: string, path: string, body?: unknown) => callApi<T>(baseUrl, method, path, body, withAdminKey());

  const org = `org-killed-${port}`;
  expect((await call('PUT', '/event-types/order.created', {})).status).toBe(201);
  for (const configId of CONFIGS) {
    expect((await call('PUT', `/webhooks/${org}/configs/${configId}`, { url: receiver.url, eventNames: ['order.created'] })).status).toBe(201);
  }

  // A first publish, not timed: the process's first one compiles and connects what the others reuse.
  const first = await call<PublishAnswer>('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n: -1 } });
  expect(first.status).toBe(202);

  // The answers do not wait for Temporal: each comes back well before a start would have given up.
  const timed = await Promise.all(
    Array.from({ length: EVENTS }, async (_, n) => {
      const sent = performance.now();
      const response = await call<PublishAnswer>('POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n } });
      return { ...response, ms: performance.now() - sent };
    }),
  );
  expect(timed.map((answer) => answer.status)).toEqual(Array(EVENTS).fill(202));
  for (const answer of timed) expect(answer.ms).toBeLessThan(TEMPORAL_CALL_DEADLINE_MS);
  const answers = [first, ...timed];
  const deliveries = answers.flatMap((answer) => answer.body.deliveries);
  expect(deliveries).toHaveLength((EVENTS + 1) * CONFIGS.length);
  expect(deliveries.every((delivery) => delivery.workflowId === `delivery-${delivery.deliveryId}`)).toBe(true);

  // Killed with its starts still waiting: every delivery is committed, pending, with no workflow.
  api.kill('SIGKILL');
  expect(await api.exited).toBe('SIGKILL');
  const { rows } = await db.pool.query<{ delivery_id: string; status: string; workflow_started_at: Date | null }>(
    'SELECT delivery_id, status, workflow_started_at FROM deliveries WHERE org_id = $1 ORDER BY delivery_id',
    [org],
  );
  expect(rows.map((row) => row.delivery_id)).toEqual(deliveries.map((d) => d.deliveryId).sort());
  expect(rows.every((row) => row.status === 'pending' && row.workflow_started_at === null)).toBe(true);
  expect(receiver.requests).toHaveLength(0);

  // A worker with the reconciler on the same task queue: it starts and delivers every one of them.
  stack = await startStack(db, {
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE,
    ...RECONCILE_AT_ONCE,
  });
  await receiver.waitForRequests(deliveries.length, 60_000);
  for (const { deliveryId } of deliveries) await waitForStatus(stack, org, deliveryId, 'delivered', 30_000);
  expect(new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])))).toEqual(new Set(deliveries.map((d) => d.deliveryId)));
  const started = await db.pool.query<{ unstarted: number }>(
    'SELECT count(*)::int AS unstarted FROM deliveries WHERE org_id = $1 AND workflow_started_at IS NULL',
    [org],
  );
  expect(started.rows[0].unstarted).toBe(0);
}, scaled(120_000));
