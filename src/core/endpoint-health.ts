/** Endpoint health of a webhook config: admission of attempts, the circuit breaker and the auto-disable policy, each with its SQL. */
import type { AttemptParams, AttemptWrite } from '../db/attempts';
import type { WebhookConfigRow } from '../db/configs';
import type { Queryable } from '../db/pool';

// The state lives in webhook_configs and delivery_leases (migration 002), so every worker shares it.

export type AdmissionDecision = 'admitted' | 'probe' | 'circuit_open' | 'concurrency' | 'rate_limited' | 'missing';

/**
 * Admission: whether one attempt may go out now. The circuit breaker, the concurrency cap and the rate
 * limit, in one statement under the config's row lock (admit_delivery_attempt, migrations 002 and 006):
 * an admitted attempt holds a lease keyed by its token until `releaseLeaseAfterAttempt` (or `releaseLease`).
 */
export async function admitAttempt(
  db: Queryable,
  input: {
    orgId: string;
    configId: string;
    deliveryId: string;
    /** Keys the attempt's own lease: only that attempt frees it again. */
    attemptToken: string;
    leaseMs: number;
    cooldownMs: number;
    force: boolean;
  },
): Promise<{ decision: AdmissionDecision; waitMs: number }> {
  const { rows } = await db.query<{ decision: AdmissionDecision; wait_ms: number }>(
    'SELECT decision, wait_ms FROM admit_delivery_attempt($1, $2, $3, $4, $5, $6, $7)',
    [input.orgId, input.configId, input.deliveryId, input.attemptToken, Math.ceil(input.leaseMs), Math.ceil(input.cooldownMs), input.force],
  );
  return { decision: rows[0]?.decision ?? 'missing', waitMs: rows[0]?.wait_ms ?? 0 };
}

/**
 * Circuit breaker, written with each new attempt (inside recordAttempt's statement): a delivered attempt
 * closes the circuit and ends the failing streak; a failed one extends it, and opens the circuit for the
 * cooldown once `circuitThreshold` attempts in a row have failed.
 */
export const updateCircuitAfterAttempt: AttemptWrite = (p: AttemptParams) =>
  `UPDATE webhook_configs SET
         consecutive_failures = CASE WHEN ${p.status} = 'delivered' THEN 0 ELSE consecutive_failures + 1 END,
         consecutive_dead_letters = CASE WHEN ${p.status} = 'delivered' THEN 0 ELSE consecutive_dead_letters END,
         failing_since = CASE WHEN ${p.status} = 'delivered' THEN NULL ELSE coalesce(failing_since, now()) END,
         last_success_at = CASE WHEN ${p.status} = 'delivered' THEN now() ELSE last_success_at END,
         last_failure_at = CASE WHEN ${p.status} = 'delivered' THEN last_failure_at ELSE now() END,
         circuit_open_until = CASE
           WHEN ${p.status} = 'delivered' THEN NULL
           WHEN consecutive_failures + 1 >= ${p.circuitThreshold} THEN now() + make_interval(secs => ${p.circuitCooldownMs}::double precision / 1000)
           ELSE circuit_open_until END
       WHERE org_id = ${p.orgId} AND config_id = ${p.configId} AND EXISTS (SELECT 1 FROM ${p.written})`;

/** Admission's other half, inside recordAttempt's statement: the attempt frees its concurrency slot. */
export const releaseLeaseAfterAttempt: AttemptWrite = (p: AttemptParams) => `DELETE FROM delivery_leases WHERE lease_id = ${p.attemptToken}`;

/** What an attempt's write does to its config's health, in the same statement: pass to recordAttempt. */
export const HEALTH_AFTER_ATTEMPT: readonly AttemptWrite[] = [updateCircuitAfterAttempt, releaseLeaseAfterAttempt];

/** The circuit as the API shows it: closed (NULL), open (in the future), or half-open (past: the next attempt is the probe). */
export function circuitState(openUntil: Date | null): 'closed' | 'open' | 'half_open' {
  if (!openUntil) return 'closed';
  return openUntil.getTime() > Date.now() ? 'open' : 'half_open';
}

export interface AutoDisableRules {
  afterConsecutiveDeadLetters: number;
  afterFailingForMs: number;
}

/**
 * Auto-disable policy: counts a dead letter against the config and disables it when a rule says so
 * (too many dead letters in a row, or failing without a success for too long). Returns the row when
 * this call disabled it, so the caller can announce it.
 */
export async function recordDeadLetterAgainstConfig(
  db: Queryable,
  orgId: string,
  configId: string,
  rules: AutoDisableRules,
): Promise<WebhookConfigRow | undefined> {
  const { rows } = await db.query<WebhookConfigRow>(
    `UPDATE webhook_configs SET
       consecutive_dead_letters = consecutive_dead_letters + 1,
       enabled = NOT (consecutive_dead_letters + 1 >= $3 OR coalesce(failing_since < now() - make_interval(secs => $4::double precision / 1000), false)),
       disabled_reason = CASE
         WHEN consecutive_dead_letters + 1 >= $3 THEN (consecutive_dead_letters + 1) || ' deliveries dead-lettered in a row'
         WHEN coalesce(failing_since < now() - make_interval(secs => $4::double precision / 1000), false)
           THEN 'failing without a success since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
         ELSE disabled_reason END,
       disabled_at = CASE
         WHEN consecutive_dead_letters + 1 >= $3 OR coalesce(failing_since < now() - make_interval(secs => $4::double precision / 1000), false) THEN now()
         ELSE disabled_at END,
       updated_at = now()
     WHERE org_id = $1 AND config_id = $2 AND enabled
     RETURNING *`,
    [orgId, configId, rules.afterConsecutiveDeadLetters, rules.afterFailingForMs],
  );
  return rows[0] && !rows[0].enabled ? rows[0] : undefined;
}
