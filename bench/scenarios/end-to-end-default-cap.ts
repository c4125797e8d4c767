/** Scenario 2 with the service's default per-config cap of 10: fewer events, since every attempt over the cap is turned away and retried later. */
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { throughput } from '../throughput';
import { perDelivery, since, taskCounts } from '../worker-processes';

export async function endToEndDefaultCap(bench: Bench, shared: SharedService): Promise<void> {
  const { events: N, sizes, tag, results, log } = bench;
  const { process: service, baseUrl } = shared;
  // Fewer events: every attempt over the cap is turned away and retried later, which makes it slow.
  const before = await taskCounts(service);
  const { figures: capped } = await throughput(bench, baseUrl, `e2e-cap10-${tag}`, Math.min(N, sizes.defaultCapEvents), {});
  const tasks = since(before, await taskCounts(service));
  results.endToEndDefaultCap = {
    ...capped,
    maxConcurrency: 10,
    ...perDelivery(tasks, capped.deliveries),
  };
  log(`2 end-to-end with the default cap of 10: ${capped.perSecond} deliveries/s`);
}
