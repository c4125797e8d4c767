/**
 * What Postgres keeps of one attempt. Pure: builds the row from the answer and its outcome.
 */
import type { AttemptRecord } from '../../db/attempts';
import type { DeliveryContext } from '../../db/deliveries';
import type { ErrorClass, PostResult } from '../../core/http';
import type { AttemptOutcome } from './outcome';

export interface Answer {
  startedAt: Date;
  durationMs: number;
  /** The HTTP answer, or undefined when none came back. */
  result: PostResult | undefined;
  /** The network failure when no HTTP answer came back. */
  failure: { errorClass: ErrorClass; message: string } | undefined;
}

export function attemptRecord(
  ctx: DeliveryContext,
  answer: Answer,
  outcome: AttemptOutcome,
  circuit: AttemptRecord['circuit'],
  attemptToken: string,
  now: number,
): AttemptRecord {
  const ok = outcome.kind === 'delivered';
  const statusCode = answer.result?.statusCode ?? null;
  return {
    deliveryId: ctx.delivery_id,
    attemptToken,
    orgId: ctx.org_id,
    configId: ctx.config_id,
    circuit,
    startedAt: answer.startedAt,
    durationMs: answer.durationMs,
    statusCode,
    errorClass: ok ? null : (answer.failure?.errorClass ?? 'http_status'),
    error: ok ? null : (answer.failure?.message ?? `HTTP ${statusCode}`),
    responseBody: answer.result?.body ?? null,
    status: ok ? 'delivered' : 'retrying',
    nextAttemptAt: outcome.kind === 'retry' ? new Date(now + outcome.delayMs) : null,
  };
}
