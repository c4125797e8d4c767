/** Scenario 5, fan-out: one event matching 100 configs, publish to the last receipt. */
import { publish, subscribe } from '../api';
import type { Bench } from '../context';
import type { SharedService } from '../shared-service';
import { round, runPool } from '../stats';

export async function fanOut(bench: Bench, shared: SharedService): Promise<void> {
  const { sizes, waitMs: WAIT_MS, tag, results, log } = bench;
  const { ok } = bench.receivers;
  const { baseUrl } = shared;
  const org = `fanout-${tag}`;
  await runPool(sizes.fanOut, 8, (i) => subscribe(baseUrl, org, `c${String(i).padStart(3, '0')}`, ok.url));
  const t = performance.now();
  const { eventId, workflowIds } = await publish(baseUrl, org, { fanOut: true });
  const publishMs = performance.now() - t;
  if (workflowIds.length !== sizes.fanOut) throw new Error(`fan-out event matched ${workflowIds.length} configs`);
  await ok.waitFor([eventId], WAIT_MS, sizes.fanOut);
  const ms = performance.now() - t;
  results.fanOut = { configs: sizes.fanOut, ms: round(ms, 0), publishMs: round(publishMs, 0) };
  log(`5 fan-out to ${sizes.fanOut} configs: all received after ${round(ms, 0)} ms (publish answered after ${round(publishMs, 0)} ms)`);
}
