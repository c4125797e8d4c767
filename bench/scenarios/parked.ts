/**
 * Scenario 7, parked: deliveries in backoff against a failing endpoint, in a fresh service process whose first
 * retry comes after 10 minutes; the worker process's RSS, then throughput beside them.
 */
import { call, EVENT_NAME, publishMany, subscribe } from '../api';
import type { Bench } from '../context';
import { round } from '../stats';
import { throughput } from '../throughput';
import { since, spawnWorkerProcess, taskCounts, waitQuiet } from '../worker-processes';
import { waitFirstAttempts } from '../workflow-probes';

const mb = (bytes: number): number => round(bytes / 1_048_576, 0);

export async function parked(bench: Bench): Promise<void> {
  const { concurrency: C, sizes, waitMs: WAIT_MS, tag, queues, results, log, client } = bench;
  const { failing } = bench.receivers;
  const service = await spawnWorkerProcess('service', { ...bench.serviceEnv, TEMPORAL_TASK_QUEUE: queues.parked, DELIVERY_RETRY_INITIAL_INTERVAL: '10m' });
  bench.cleanups.push(() => service.stop());
  if (!results.workerStart) results.workerStart = { processReadyMs: round(service.processReadyMs, 0), startServiceMs: round(service.startMs, 0), bundle: 'prebuilt' };
  const { baseUrl } = service;
  await call(baseUrl, 'PUT', `/event-types/${EVENT_NAME}`, {});
  const idle = await service.status();
  const org = `parked-${tag}`;
  await subscribe(baseUrl, org, 'main', failing.url);
  const parkBefore = await taskCounts(service);
  const { published, seconds: publishSeconds } = await publishMany(baseUrl, org, sizes.parked, C);
  log(`7 parked: ${sizes.parked} published in ${round(publishSeconds, 1)} s; waiting until they are all in backoff`);

  // Parked: every sampled workflow has had its first attempt turned down and waits for the next,
  // and the worker has been idle for a second.
  const settleStart = performance.now();
  const inBackoff = await waitFirstAttempts(
    client,
    published.map((p) => p.workflowIds[0]!),
    sizes.parkedSample,
    WAIT_MS,
  );
  const workerQuiet = await waitQuiet(service, WAIT_MS);
  const settleSeconds = (performance.now() - settleStart) / 1000;
  const parkTasks = since(parkBefore, await taskCounts(service));
  const parked = await service.status();
  log(`7 parked: worker process RSS ${mb(parked.rssBytes)} MB (${mb(idle.rssBytes)} MB before), ${parked.cachedWorkflows} workflows cached`);
  const againCpu = bench.cpu(service);
  const { figures: again } = await throughput(bench, baseUrl, `e2e-parked-${tag}`);
  const againCpuSeconds = againCpu();
  const after = await service.status();
  const e2eRate = (results.endToEnd as { perSecond?: number } | undefined)?.perSecond;
  results.parked = {
    deliveries: sizes.parked,
    publishSeconds: round(publishSeconds, 1),
    sampledInBackoff: `${inBackoff}/${sizes.parkedSample}`,
    workerQuietBeforeMeasuring: workerQuiet,
    settleSeconds: round(settleSeconds, 1),
    // From the first publish until all are parked: the first attempt of each, turned away.
    tasksToPark: parkTasks,
    workerRssIdleMb: mb(idle.rssBytes),
    workerRssParkedMb: mb(parked.rssBytes),
    workerHeapUsedParkedMb: mb(parked.heapUsedBytes),
    workerHeapTotalParkedMb: mb(parked.heapTotalBytes),
    workerExternalParkedMb: mb(parked.externalBytes),
    workerRssAfterThroughputMb: mb(after.rssBytes),
    workerMaxRssMb: mb(after.maxRssBytes),
    cachedWorkflows: parked.cachedWorkflows,
    rssOf: 'the service process: worker and API together, as npm start runs them',
    endToEndPerSecond: again.perSecond,
    endToEndSeconds: again.seconds,
    ratioToEndToEnd: e2eRate ? round(again.perSecond / e2eRate, 2) : null,
    endToEndCpuSeconds: againCpuSeconds,
  };
  log(`7 parked: throughput beside them ${again.perSecond} deliveries/s`);
  await service.stop();
}
