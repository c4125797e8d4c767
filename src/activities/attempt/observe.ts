/** What an attempt's answer leaves in its trace span and in the metrics: ids and numbers, nothing of the payload. */
import { trace } from '@opentelemetry/api';
import type { DeliveryContext } from '../../db/deliveries';
import { attemptResultOf, type Metrics } from '../../observability/metrics';
import type { Answer } from './record';

export function observeAnswer(metrics: Metrics, ctx: DeliveryContext, answer: Answer): void {
  const { result, failure } = answer;
  // The attempt's span (the activity run): its ids and what the receiver answered.
  trace.getActiveSpan()?.setAttributes({
    'webhook.delivery_id': ctx.delivery_id,
    'webhook.event_id': ctx.event_id,
    'webhook.org_id': ctx.org_id,
    'webhook.config_id': ctx.config_id,
    'webhook.attempt.result': attemptResultOf(result?.statusCode ?? null, failure?.errorClass ?? null),
    ...(result ? { 'http.response.status_code': result.statusCode } : {}),
  });
  metrics.countAttempt(attemptResultOf(result?.statusCode ?? null, failure?.errorClass ?? null), answer.durationMs / 1000);
}
