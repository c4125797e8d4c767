/** What the benchmark asks Temporal about the delivery workflows it started: history lengths, and whether a sample waits for its retries. */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { searchAttributes } from '../src/shared/temporal';
import { round, sleep } from './stats';

/** Mean history length of a random sample of the given (closed) workflows. */
export async function historyEventsPerDelivery(client: Client, workflowIds: readonly string[], sampleSize = 20): Promise<number> {
  const sample = Array.from({ length: Math.min(sampleSize, workflowIds.length) }, () => workflowIds[Math.floor(Math.random() * workflowIds.length)]!);
  const lengths = await Promise.all(sample.map(async (id) => (await client.workflow.getHandle(id).describe()).historyLength));
  return round(lengths.reduce((a, b) => a + b, 0) / Math.max(lengths.length, 1), 1);
}

/**
 * Resolves once a random sample of the workflows all have had their first attempt and wait for a retry
 * (the pending activity's attempt is 2 or more, or, after a local first attempt, the workflow waits with
 * its status retrying); returns how many of the sample were seen so.
 */
export async function waitFirstAttempts(client: Client, workflowIds: readonly string[], sampleSize: number, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  const sample = Array.from({ length: sampleSize }, () => workflowIds[Math.floor(Math.random() * workflowIds.length)]!);
  for (;;) {
    const states = await Promise.all(
      sample.map(async (id) => {
        // Started after the publish was answered: a workflow not there yet has had no attempt.
        const description = await client.workflow.getHandle(id).describe().catch((error: unknown) => {
          if (error instanceof WorkflowNotFoundError) return undefined;
          throw error;
        });
        if (!description) return false;
        const pending = description.raw.pendingActivities?.[0];
        if (pending) return (pending.attempt ?? 0) >= 2;
        // A first attempt run as a local activity: the workflow then waits in a timer, its status search
        // attribute retrying (read from the server, so a busy worker does not hold the answer up).
        return description.status.name === 'RUNNING' && description.typedSearchAttributes.get(searchAttributes.deliveryStatus) === 'retrying';
      }),
    );
    const retrying = states.filter(Boolean).length;
    if (retrying === sample.length || performance.now() > deadline) return retrying;
    await sleep(500);
  }
}
