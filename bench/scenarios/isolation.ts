/**
 * Scenario 6, isolation: deliveries to an endpoint that hangs for its whole timeout, beside the steady load
 * of scenario 3; first while they are published and take their first attempts (the burst), then while they wait and retry.
 */
import { latencies, publishAtRate, publishMany, subscribe } from '../api';
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { distribution, round } from '../stats';
import { since, taskCounts } from '../worker-processes';
import { waitFirstAttempts } from '../workflow-probes';

export async function isolation(bench: Bench, shared: SharedService): Promise<void> {
  const { concurrency: C, sizes, waitMs: WAIT_MS, tag, results, log, client } = bench;
  const { ok, hanging } = bench.receivers;
  const { process: service, baseUrl } = shared;
  const latencyOrg = await shared.latencyOrg();
  const org = `hang-${tag}`;
  await subscribe(baseUrl, org, 'main', hanging.url, { timeoutMs: sizes.hangTimeoutMs, ...(sizes.hangCap ? { maxConcurrency: sizes.hangCap } : {}) });
  const burstStart = performance.now();
  const burstBefore = await taskCounts(service);
  let publishing = true;
  const duringBurst = latencies(ok, publishAtRate(baseUrl, latencyOrg, sizes.latencyRate, () => publishing), WAIT_MS);
  const { published: hangingPublished, seconds: hangPublishSeconds } = await publishMany(baseUrl, org, sizes.hanging, C);
  await waitFirstAttempts(
    client,
    hangingPublished.map((p) => p.workflowIds[0]!),
    sizes.parkedSample,
    WAIT_MS,
  );
  publishing = false;
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const burst = await duringBurst;
  const hangRequestsBefore = hanging.requests();
  const windowBefore = await taskCounts(service);
  const windowCpu = bench.cpu(service);
  const steady = await latencies(ok, publishAtRate(baseUrl, latencyOrg, sizes.latencyRate, sizes.isolationSeconds), WAIT_MS);
  const windowCpuSeconds = windowCpu();
  const windowTasks = since(windowBefore, await taskCounts(service));
  const burstTasks = since(burstBefore, windowBefore);
  const d = distribution(steady.total);
  const latencyP99 = (results.latency as { p99?: number } | undefined)?.p99;
  results.isolation = {
    hangingDeliveries: sizes.hanging,
    hangingTimeoutMs: sizes.hangTimeoutMs,
    hangingMaxConcurrency: sizes.hangCap ?? 10,
    healthyRatePerSecond: sizes.latencyRate,
    windowSeconds: sizes.isolationSeconds,
    ...d,
    acceptedToReceipt: distribution(steady.afterAccept),
    p99RatioToLatency: latencyP99 ? round(d.p99 / latencyP99, 2) : null,
    hangingRequestsDuringWindow: hanging.requests() - hangRequestsBefore,
    // Healthy deliveries take one activity task each; the rest are attempts of the hanging ones.
    windowTasks,
    windowHealthyDeliveries: steady.total.length,
    windowCpuSeconds,
    burst: {
      publishSeconds: round(hangPublishSeconds, 1),
      absorbedSeconds: round(burstSeconds, 1),
      hangingRequests: hangRequestsBefore,
      tasks: burstTasks,
      healthyDeliveries: burst.total.length,
      healthy: distribution(burst.total),
    },
  };
  log(
    `6 isolation: healthy p50 ${d.p50} ms, p99 ${d.p99} ms beside ${sizes.hanging} deliveries to a hanging endpoint ` +
      `(during their burst: p50 ${distribution(burst.total).p50} ms, p99 ${distribution(burst.total).p99} ms)`,
  );
}
