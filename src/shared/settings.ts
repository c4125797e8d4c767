/** Plain defaults and types the configuration shares with the API, the worker and the workflows, kept free of the workflow SDK so that loading the configuration never loads it. */

export const DEFAULT_TASK_QUEUE = 'webhook-deliveries';

/** Exponential backoff for one delivery window; all durations in milliseconds. */
export interface RetrySettings {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  windowMs: number;
  /** HTTP attempts one window may make, when the config limits them; unset: as many as the window holds. */
  maxAttempts?: number;
}
