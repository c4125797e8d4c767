/**
 * The service as it scales out: two API processes and two worker processes, each its own OS process,
 * on one task queue of a Temporal cluster of separate processes. 2,000 events are published across both
 * APIs; one worker is killed with SIGKILL midway, and the other finishes the work. The reconciler runs,
 * as in production: a workflow start that fails every try in an API is its to make.
 */
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../src/dev/free-port';
import { describeDelivery, localActivityOf } from './helpers/diagnostics';
import { useDatabase, useFixture, useReceiver } from './helpers/fixtures';
import { eventually, type PublishAnswer, uniqueOrg } from './helpers/scenario';
import { spawnService, type ServiceProcess } from './helpers/service-process';
import { callApi, testEnvironment, withAdminKey } from './helpers/stack';
import { useTemporalCluster } from './helpers/temporal-cluster';
import { scaled } from './setup/test-env';

const EVENTS = 2000;

const db = useDatabase('cluster-many-processes');
const cluster = useTemporalCluster({ frontends: 1 });
const receiver = useReceiver();
/** The API and worker processes of the test, killed (if still running) after it. */
const processes = useFixture(
  'service processes',
  async () => [] as ServiceProcess[],
  async (children) => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(children.map((child) => child.exited));
  },
);

test('2 APIs and 2 workers deliver 2,000 events; one worker killed midway, the other finishes; no POST twice without a failed attempt', async () => {
  // One environment for all four processes: the same database, cluster and task queue.
  const env = testEnvironment(db, {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    DELIVERY_RETRY_WINDOW: '10m',
    HOST: '127.0.0.1',
    DATABASE_POOL_SIZE: '5',
    // The reconciler's Schedule, as production runs it, at a shorter interval than its default 30 s.
    MAINTENANCE_SCHEDULES: 'true',
    RECONCILE_INTERVAL: '5s',
  });
  const workers = [spawnService('worker', env), spawnService('worker', env)];
  const apiPorts = [await freePort(), await freePort()];
  const apis = apiPorts.map((port) => spawnService('api', { ...env, PORT: String(port) }));
  processes.push(...workers, ...apis);
  await Promise.all([...workers.map((w) => w.waitForLog('worker started', 60_000)), ...apis.map((a) => a.waitForLog('API listening', 60_000))]);
  const bases = apiPorts.map((port) => `http://127.0.0.1:${port}`);
  const call = <T>(i: number, method: string, route: string, body?: unknown) => callApi<T>(bases[i % 2], method, route, body, withAdminKey());

  const org = uniqueOrg();
  expect([200, 201]).toContain((await call(0, 'PUT', '/event-types/order.created', {})).status);
  const config = await call(1, 'PUT', `/webhooks/${org}/configs/main`, { url: receiver.url, eventNames: ['order.created'], maxConcurrency: 1000 });
  expect(config.status).toBe(201);

  // Published by 16 clients, alternating between the two APIs; one worker dies once a third has arrived.
  const deliveryIds: string[] = [];
  const publishedBy = [0, 0];
  let next = 0;
  let killed: Promise<number | string> | undefined;
  const killAt = Math.round(EVENTS / 3);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < EVENTS) {
        const i = next++;
        const answer = await call<PublishAnswer>(i, 'POST', `/webhooks/${org}/events`, { eventName: 'order.created', data: { n: i } });
        expect(answer.status).toBe(202);
        publishedBy[i % 2] += 1;
        deliveryIds.push(answer.body.deliveries[0].deliveryId);
        if (!killed && receiver.requests.length >= killAt) {
          workers[1].kill('SIGKILL');
          killed = workers[1].exited;
        }
      }
    }),
  );
  if (!killed) {
    await receiver.waitForRequests(killAt, 120_000);
    workers[1].kill('SIGKILL');
    killed = workers[1].exited;
  }
  expect(await killed).toBe('SIGKILL');
  const killedPid = workers[1].child.pid;

  // Every delivery arrives; attempts the killed worker had in flight are retried by the server.
  const received = () => new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])));
  await eventually(async () => received().size >= EVENTS || undefined, 600_000, `all ${EVENTS} deliveries at the receiver`, async () => {
    // What the missing deliveries are doing: their rows by status, and the first few in full.
    const missing = deliveryIds.filter((id) => !received().has(id));
    const rows = await db.pool.query<{ status: string; started: boolean; n: string }>(
      'SELECT status, workflow_started_at IS NOT NULL AS started, count(*) AS n FROM deliveries WHERE delivery_id = ANY($1::uuid[]) GROUP BY 1, 2',
      [missing],
    );
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const client = new Client({ connection, namespace: cluster.namespace });
      const stack = { client, api: <T>(method: string, route: string) => call<T>(0, method, route) };
      const details = await Promise.all(missing.slice(0, 3).map((id) => describeDelivery(stack, org, id)));
      // What the processes warned about: failed starts, a reconciler that could not reach Temporal.
      const warnings = processes.flatMap((child, i) =>
        child
          .logs()
          .filter((line) => Number(line.level) >= 40)
          .slice(0, 5)
          .map((line) => `process ${i} (pid ${child.child.pid}): ${JSON.stringify(line)}`),
      );
      return [`${received().size} received; missing by status: ${JSON.stringify(rows.rows)}`, ...details, ...warnings].join('\n');
    } finally {
      await connection.close();
    }
  });
  expect(deliveryIds.filter((id) => !received().has(id))).toEqual([]);
  expect([...received()].filter((id) => !deliveryIds.includes(id))).toEqual([]);

  // The worker that ran each delivery's last activity attempt, and what each delivery POSTed twice went through.
  const connection = await Connection.connect({ address: cluster.address });
  const client = new Client({ connection, namespace: cluster.namespace });
  const workedBy = new Map<string, number>();
  const twice = new Map<string, number>();
  for (const request of receiver.requests) {
    const id = String(request.headers['webhook-id']);
    twice.set(id, (twice.get(id) ?? 0) + 1);
  }
  const duplicated = [...twice].filter(([, n]) => n > 1).map(([id]) => id);
  const retriedActivity = new Set<string>();
  try {
    let cursor = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (cursor < deliveryIds.length) {
          const id = deliveryIds[cursor++];
          const history = await client.workflow.getHandle(`delivery-${id}`).fetchHistory();
          // The worker of each attempt: an activity task's identity, or, for a first attempt run as a local
          // activity, the identity of the workflow task whose completion recorded its marker.
          let completedBy = '';
          let lastBy = '';
          let attempts = 0;
          let rerun = false;
          for (const event of history.events ?? []) {
            if (event.workflowTaskCompletedEventAttributes) completedBy = event.workflowTaskCompletedEventAttributes.identity ?? '';
            // A workflow task that timed out or failed ran its local first attempt again on another worker.
            if (event.workflowTaskTimedOutEventAttributes || event.workflowTaskFailedEventAttributes) rerun = true;
            if (localActivityOf(event) === 'attemptDelivery') {
              attempts += 1;
              lastBy = completedBy;
            }
            const started = event.activityTaskStartedEventAttributes;
            if (started) {
              attempts += 1;
              lastBy = started.identity ?? '';
              if ((started.attempt ?? 1) > 1) rerun = true;
            }
          }
          workedBy.set(id, Number(lastBy.split('@')[0]));
          if (attempts > 1 || rerun) retriedActivity.add(id);
        }
      }),
    );
  } finally {
    await connection.close();
  }
  // POSTed twice only where the first attempt failed: it was in flight in the killed worker, and the
  // server ran the activity again when that attempt timed out.
  expect(duplicated.filter((id) => !retriedActivity.has(id))).toEqual([]);

  const split = new Map<number, number>();
  for (const pid of workedBy.values()) split.set(pid, (split.get(pid) ?? 0) + 1);
  const survivor = workers[0].child.pid ?? -1;
  /** How many lines `children` logged with `msg`, or the sum of their `field`. */
  const logged = (children: ServiceProcess[], msg: string, field?: string) =>
    children
      .flatMap((child) => child.logs())
      .filter((line) => line.msg === msg)
      .reduce((sum, line) => sum + (field ? Number(line[field] ?? 0) : 1), 0);
  const report = {
    publishedThroughEachApi: publishedBy,
    // Workflow starts the APIs tried again, those they left pending, and those the reconciler made.
    startsTriedAgain: logged(apis, 'workflow start failed; trying again', 'deliveries'),
    startsLeftPending: logged(apis, 'workflow start failed; delivery stays pending'),
    startedByReconciler: logged(workers, 'reconciled deliveries without a workflow', 'started'),
    lastAttemptBy: { survivor: split.get(survivor) ?? 0, killed: split.get(killedPid ?? -2) ?? 0 },
    postedTwice: duplicated.length,
    activityRetried: retriedActivity.size,
  };
  process.stdout.write(`work split: ${JSON.stringify(report)}\n`);
  expect(publishedBy).toEqual([EVENTS / 2, EVENTS / 2]);
  // Both workers did work before the kill, and the survivor finished everything after it.
  expect(report.lastAttemptBy.killed).toBeGreaterThan(0);
  expect(report.lastAttemptBy.survivor).toBeGreaterThan(0);
  expect(report.lastAttemptBy.survivor + report.lastAttemptBy.killed).toBe(EVENTS);
}, scaled(900_000));
