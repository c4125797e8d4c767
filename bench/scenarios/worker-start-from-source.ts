/** Worker start without the prebuilt bundle (the workflows bundled from source), for comparison with the prebuilt start of the other scenarios. */
import type { Bench } from '../context';
import { round } from '../stats';
import { spawnWorkerProcess } from '../worker-processes';

export async function workerStartFromSource(bench: Bench): Promise<void> {
  const worker = await spawnWorkerProcess('service', { ...bench.serviceEnv, TEMPORAL_TASK_QUEUE: bench.queues.source, WORKFLOW_BUNDLE_PATH: '' });
  bench.results.workerStartFromSource = { processReadyMs: round(worker.processReadyMs, 0), startServiceMs: round(worker.startMs, 0) };
  bench.log(`worker start from source: ${round(worker.startMs, 0)} ms`);
  await worker.stop();
}
