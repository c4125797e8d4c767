/** Scenario 1, the baseline: N no-op workflows of one no-op activity each, with the service's worker options, on the same server. */
import type { Bench } from '../context';
import { round, runPool, withTimeout } from '../stats';
import { spawnWorkerProcess } from '../worker-processes';

export async function baseline(bench: Bench): Promise<void> {
  const { events: N, concurrency: C, waitMs: WAIT_MS, client, queues, tag, results, log } = bench;
  const worker = await spawnWorkerProcess('baseline', { ...bench.serviceEnv, TEMPORAL_TASK_QUEUE: queues.baseline, BENCH_BASELINE_BUNDLE: bench.baselineBundle });
  bench.cleanups.push(() => worker.stop());
  const { done } = await worker.expect(N);
  const cpuUse = bench.cpu(worker);
  const first = performance.now();
  await runPool(N, C, async (i) => {
    await client.workflow.start('baselineWorkflow', { taskQueue: queues.baseline, workflowId: `bench-baseline-${tag}-${i}` });
  });
  const startSeconds = (performance.now() - first) / 1000;
  await withTimeout(done, WAIT_MS, `baseline workflows did not finish within ${WAIT_MS} ms`);
  const seconds = (performance.now() - first) / 1000;
  results.baseline = { workflows: N, seconds: round(seconds, 2), perSecond: round(N / seconds), startsPerSecond: round(N / startSeconds), cpuSeconds: cpuUse() };
  log(`1 baseline: ${round(N / seconds)} workflows/s`);
  await worker.stop();
}
