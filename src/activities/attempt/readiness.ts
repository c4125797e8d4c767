/**
 * Whether a delivery can be attempted at all, and whether the config lets an attempt out now.
 * Pure: the activity loads the context and asks Postgres for admission.
 */
import type { AdmissionDecision } from '../../core/endpoint-health';
import type { DeliveryContext } from '../../db/deliveries';
import { FailureType } from '../../shared/temporal';

/** A reason to stop the delivery for good: becomes a non-retryable failure of the given type. */
export interface Stop {
  kind: 'stop';
  type: (typeof FailureType)[keyof typeof FailureType];
  message: string;
}

export type Readiness =
  | Stop
  /** Delivered already (an earlier attempt's answer was recorded, its completion lost): nothing is sent. */
  | { kind: 'delivered'; attempt: number; statusCode: number }
  | { kind: 'ready'; ctx: DeliveryContext & { url: string; secret: string } };

/** The delivery must exist and not be delivered yet, and its config must exist and be enabled. */
export function readiness(deliveryId: string, ctx: DeliveryContext | undefined): Readiness {
  if (!ctx) return { kind: 'stop', type: FailureType.DELIVERY_NOT_FOUND, message: `delivery ${deliveryId} not found` };
  if (ctx.status === 'delivered') return { kind: 'delivered', attempt: ctx.attempt_count, statusCode: ctx.last_status_code ?? 200 };
  if (ctx.url === null || ctx.secret === null) return configDeleted(ctx.config_id);
  if (!ctx.enabled) {
    return {
      kind: 'stop',
      type: FailureType.CONFIG_DISABLED,
      message: `config ${ctx.config_id} is disabled (${ctx.disabled_reason ?? 'no reason given'})`,
    };
  }
  return { kind: 'ready', ctx: ctx as DeliveryContext & { url: string; secret: string } };
}

export type Admission = Stop | { kind: 'send' } | { kind: 'held_back'; decision: 'circuit_open' | 'concurrency' | 'rate_limited' };

/** What the config's circuit breaker, concurrency cap and rate limit said. */
export function admission(configId: string, decision: AdmissionDecision): Admission {
  if (decision === 'missing') return configDeleted(configId);
  if (decision === 'admitted' || decision === 'probe') return { kind: 'send' };
  return { kind: 'held_back', decision };
}

const configDeleted = (configId: string): Stop => ({ kind: 'stop', type: FailureType.CONFIG_DISABLED, message: `config ${configId} was deleted` });
