/** Scenario 2, end-to-end throughput: N events to one config (cap 1000), C publishing clients, with tasks, calls and statements per delivery. */
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { throughput } from '../throughput';
import { perDelivery, since, taskCounts } from '../worker-processes';
import { historyEventsPerDelivery } from '../workflow-probes';
import { round } from '../stats';

export async function endToEnd(bench: Bench, shared: SharedService): Promise<void> {
  const { events: N, tag, results, log, client } = bench;
  const { process: service, baseUrl } = shared;
  const before = await taskCounts(service);
  const cpuUse = bench.cpu(service);
  const { figures: e2e, workflowIds: e2eWorkflowIds } = await throughput(bench, baseUrl, `e2e-${tag}`);
  const cpuSeconds = cpuUse();
  const tasks = since(before, await taskCounts(service));
  const baselineRate = (results.baseline as { perSecond?: number } | undefined)?.perSecond;
  results.endToEnd = {
    ...e2e,
    maxConcurrency: 1000,
    ratioToBaseline: baselineRate ? round(e2e.perSecond / baselineRate, 2) : null,
    ...perDelivery(tasks, N),
    historyEventsPerDelivery: await historyEventsPerDelivery(client, e2eWorkflowIds),
    cpuSeconds,
  };
  log(`2 end-to-end: ${e2e.perSecond} deliveries/s (publishing took ${e2e.publishSeconds} s)`);
}
