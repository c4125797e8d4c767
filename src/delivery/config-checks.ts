/** The checks a config's written fields pass before it is stored: destinations, JWT key, transform and retry bounds. */
import type { Config } from '../config';
import { destinationGuardFor } from '../core/destinations';
import { type FieldProblem, InvalidFieldError, InvalidInputError } from '../core/errors';
import { importJwtKey, JwtKeyError } from '../core/jwt-auth';
import type { ReceiverAuth } from '../core/receiver-auth';
import { parseDurationMs } from '../shared/durations';
import type { RetryPolicyInput } from '../shared/retry-policy';
import type { Transform } from '../shared/transform';
import { compileTransform, TransformCompileError } from './transform';

/** The operator's bounds on a config's retry policy (RETRY_POLICY_* in the configuration). */
export interface RetryPolicyBounds {
  minIntervalMs: number;
  maxWindowMs: number;
  maxAttempts: number;
}

const msOf = (value: string | number): number => (typeof value === 'number' ? value : (parseDurationMs(value) ?? 0));
const describeMs = (ms: number): string => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

/** Fields of a retry policy outside the operator's bounds, each named `retry.{field}`. */
export function retryPolicyProblems(policy: RetryPolicyInput, bounds: RetryPolicyBounds): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of ['initialInterval', 'maxInterval', 'window'] as const) {
    const value = policy[field];
    if (value === undefined) continue;
    const ms = msOf(value);
    if (ms < bounds.minIntervalMs) problems.push({ field: `retry.${field}`, message: `must be at least ${describeMs(bounds.minIntervalMs)}` });
    else if (ms > bounds.maxWindowMs) problems.push({ field: `retry.${field}`, message: `must be at most ${describeMs(bounds.maxWindowMs)}` });
  }
  if (policy.maxAttempts !== undefined && policy.maxAttempts > bounds.maxAttempts) {
    problems.push({ field: 'retry.maxAttempts', message: `must be at most ${bounds.maxAttempts}` });
  }
  return problems;
}

/** A transform is compiled when stored: one that does not compile is refused, naming its position. */
export function assertTransformCompiles(transform: Transform | null | undefined, field = 'transform'): void {
  if (transform === null || transform === undefined) return;
  try {
    compileTransform(transform);
  } catch (error) {
    if (error instanceof TransformCompileError) throw new InvalidFieldError(field, error.message);
    throw error;
  }
}

/** The fields of a config write (or patch) that the checks read; those left undefined are not checked. */
export interface CheckedConfigFields {
  url?: string;
  auth?: ReceiverAuth | null;
  transform?: Transform | null;
  retry?: RetryPolicyInput | null;
}

export type ConfigChecksConfig = Pick<
  Config,
  'ALLOWED_PRIVATE_CIDRS' | 'REQUIRE_HTTPS' | 'RETRY_POLICY_MIN_INTERVAL' | 'RETRY_POLICY_MAX_WINDOW' | 'RETRY_POLICY_MAX_ATTEMPTS'
>;

/**
 * Every check a config's written fields must pass, in a write or a patch alike. Each refusal is an
 * InvalidFieldError (or InvalidInputError, for several retry fields) naming the field.
 */
export function createConfigChecks(deps: { config: ConfigChecksConfig }) {
  const guard = destinationGuardFor(deps.config);
  const bounds: RetryPolicyBounds = {
    minIntervalMs: deps.config.RETRY_POLICY_MIN_INTERVAL,
    maxWindowMs: deps.config.RETRY_POLICY_MAX_WINDOW,
    maxAttempts: deps.config.RETRY_POLICY_MAX_ATTEMPTS,
  };

  /** Literal internal addresses are refused when stored; names are checked again on every connect. */
  const assertDestination = (url: string | undefined, field: string): void => {
    const reason = url === undefined ? undefined : guard.checkUrl(url);
    if (reason) throw new InvalidFieldError(field, reason);
  };

  /** A JWT key that cannot sign with its algorithm is refused when stored, not at the first delivery. */
  const assertJwtKey = async (auth: ReceiverAuth | null | undefined): Promise<void> => {
    if (auth?.type !== 'jwt') return;
    try {
      await importJwtKey(auth);
    } catch (error) {
      if (error instanceof JwtKeyError) throw new InvalidFieldError('auth.key', error.message);
      throw error;
    }
  };

  return {
    async check(input: CheckedConfigFields): Promise<void> {
      assertDestination(input.url, 'url');
      // The OAuth token endpoint is fetched by the worker too: the same rules apply to it.
      if (input.auth?.type === 'oauth2') assertDestination(input.auth.tokenUrl, 'auth.tokenUrl');
      await assertJwtKey(input.auth);
      assertTransformCompiles(input.transform);
      const problems = input.retry ? retryPolicyProblems(input.retry, bounds) : [];
      if (problems.length > 0) throw new InvalidInputError(problems);
    },
  };
}

export type ConfigChecks = ReturnType<typeof createConfigChecks>;
