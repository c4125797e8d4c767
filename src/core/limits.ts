/** Bounds of a webhook config that the API enforces and the delivery machinery relies on. */

/** Longest `timeoutMs` of a config: the budget of one attempt. */
export const MAX_TIMEOUT_MS = 30_000;
/** Largest `maxConcurrency` of a config: the HTTP client keeps this many connections to one origin. */
export const MAX_CONCURRENCY = 1000;
