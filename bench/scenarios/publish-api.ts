/** Scenario 4, publish API latency: 32 concurrent clients in a closed loop, then their deliveries left to finish. */
import { publish, subscribe } from '../api';
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { distribution, round } from '../stats';

export async function publishApi(bench: Bench, shared: SharedService): Promise<void> {
  const { sizes, waitMs: WAIT_MS, tag, results, log } = bench;
  const { ok } = bench.receivers;
  const { process: service, baseUrl } = shared;
  const org = `publish-${tag}`;
  await subscribe(baseUrl, org, 'main', ok.url, { maxConcurrency: 1000 });
  const latencies: number[] = [];
  const ids: string[] = [];
  const cpuUse = bench.cpu(service);
  const start = performance.now();
  const until = start + sizes.publishSeconds * 1000;
  await Promise.all(
    Array.from({ length: sizes.publishClients }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        ids.push((await publish(baseUrl, org, { t })).eventId);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  results.publishApi = {
    clients: sizes.publishClients,
    seconds: round(seconds, 1),
    requests: latencies.length,
    perSecond: round(latencies.length / seconds),
    ...distribution(latencies),
    cpuSeconds: cpuUse(),
  };
  log(`4 publish API: p50 ${distribution(latencies).p50} ms, p99 ${distribution(latencies).p99} ms, ${round(latencies.length / seconds)} requests/s`);
  // Let its deliveries finish before the next scenario.
  await ok.waitFor(ids, WAIT_MS);
}
