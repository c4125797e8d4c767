/** The service process that scenarios 2 to 6 share, started once for them with the event type they publish. */
import { call, EVENT_NAME, subscribe } from './api';
import type { Bench } from './context';
import { round } from './stats';
import { spawnWorkerProcess, type WorkerProcess } from './worker-processes';

export interface SharedService {
  process: WorkerProcess;
  baseUrl: string;
  /** The org of the steady load of scenario 3, which scenario 6 publishes again beside the hanging endpoint; subscribed at the first call. */
  latencyOrg(): Promise<string>;
}

export async function startSharedService(bench: Bench): Promise<SharedService> {
  const { log, results } = bench;
  const service = await spawnWorkerProcess('service', bench.serviceEnv);
  bench.cleanups.push(() => service.stop());
  results.workerStart = { processReadyMs: round(service.processReadyMs, 0), startServiceMs: round(service.startMs, 0), bundle: 'prebuilt' };
  log(`worker start with the prebuilt bundle: ${round(service.startMs, 0)} ms (process ready after ${round(service.processReadyMs, 0)} ms)`);
  const { baseUrl } = service;
  const typeAnswer = await call(baseUrl, 'PUT', `/event-types/${EVENT_NAME}`, {});
  if (typeAnswer.status >= 300) throw new Error(`event type answered ${typeAnswer.status}`);

  const latencyOrg = `latency-${bench.tag}`;
  let subscribed: Promise<void> | undefined;
  return {
    process: service,
    baseUrl,
    async latencyOrg() {
      subscribed ??= subscribe(baseUrl, latencyOrg, 'main', bench.receivers.ok.url, { maxConcurrency: 1000 });
      await subscribed;
      return latencyOrg;
    },
  };
}
