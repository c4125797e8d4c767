/** End-to-end throughput to one config, first publish to last receipt: scenario 2's measure, taken again beside the parked deliveries of scenario 7. */
import { publishMany, subscribe } from './api';
import type { Bench } from './context';
import { distribution, round } from './stats';

/** `count` events (N unless given) to one config of `org` (cap 1000 unless `extra` says otherwise), first publish to last receipt. */
export async function throughput(bench: Bench, baseUrl: string, org: string, count = bench.events, extra: Record<string, unknown> = { maxConcurrency: 1000 }) {
  const { concurrency: C, waitMs: WAIT_MS } = bench;
  const { ok } = bench.receivers;
  await subscribe(baseUrl, org, 'main', ok.url, extra);
  const { published, sent, firstAt, seconds: publishSeconds } = await publishMany(baseUrl, org, count, C);
  const ids = published.map((p) => p.eventId);
  await ok.waitFor(ids, WAIT_MS);
  const seconds = (Math.max(...ids.map((id) => ok.receipts.get(id)!)) - firstAt) / 1000;
  const figures = {
    deliveries: count,
    clients: C,
    seconds: round(seconds, 2),
    perSecond: round(count / seconds),
    publishSeconds: round(publishSeconds, 2),
    // The shape of the peer figures in BENCHMARKS.md: publish API and publish -> receipt under this load.
    publishLatency: distribution(sent.map((x) => x.acceptedAt - x.sentAt)),
    publishToReceipt: distribution(sent.map((x) => ok.receipts.get(x.eventId)! - x.sentAt)),
  };
  return { figures, workflowIds: published.flatMap((p) => p.workflowIds) };
}
