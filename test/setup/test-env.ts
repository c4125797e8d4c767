/** Names of the variables through which global setup hands its servers to the test files. */
export const TEST_ENV = {
  temporalAddress: 'TW_TEST_TEMPORAL_ADDRESS',
  temporalCli: 'TW_TEST_TEMPORAL_CLI',
  databaseUrl: 'TW_TEST_DATABASE_URL',
  /** A database migrated once per run that test files copy theirs from. */
  templateDatabase: 'TW_TEST_TEMPLATE_DATABASE',
  workflowBundle: 'TW_TEST_WORKFLOW_BUNDLE',
  /** Whether the shared dev server runs with task queue fairness: `true` or `false`. */
  temporalFairness: 'TW_TEST_TEMPORAL_FAIRNESS',
} as const;

export type TestGlobals = typeof globalThis & { __twTeardown?: () => Promise<void> };

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (value === undefined) throw new Error(`${TEST_ENV[name]} is not set: run the tests through jest (global setup)`);
  return value;
}

/**
 * Every wait in the tests is multiplied by TEST_TIME_FACTOR (default 1), so a slow or busy machine can
 * give them all more time at once, e.g. `TEST_TIME_FACTOR=3 npm test`. Jest's test timeout follows it.
 */
export const TIME_FACTOR = timeFactorOf(process.env.TEST_TIME_FACTOR);

export function timeFactorOf(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor < 1) throw new Error(`TEST_TIME_FACTOR must be a number of at least 1, got "${raw}"`);
  return factor;
}

/** A test's wait, stretched by TEST_TIME_FACTOR. */
export const scaled = (ms: number): number => Math.round(ms * TIME_FACTOR);
