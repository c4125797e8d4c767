/** Scenario 3, latency: publish → receipt at a modest steady rate (open loop). */
import { latencies, publishAtRate } from '../api';
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { distribution, round } from '../stats';

export async function latency(bench: Bench, shared: SharedService): Promise<void> {
  const { sizes, waitMs: WAIT_MS, results, log } = bench;
  const { ok } = bench.receivers;
  const latencyOrg = await shared.latencyOrg();
  const steady = await latencies(ok, publishAtRate(shared.baseUrl, latencyOrg, sizes.latencyRate, sizes.latencySeconds), WAIT_MS);
  results.latency = {
    ratePerSecond: sizes.latencyRate,
    seconds: sizes.latencySeconds,
    ...distribution(steady.total),
    acceptedToReceipt: distribution(steady.afterAccept),
  };
  log(`3 latency: p50 ${round(distribution(steady.total).p50)} ms, p99 ${distribution(steady.total).p99} ms`);
}
