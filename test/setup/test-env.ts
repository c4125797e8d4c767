/** Names of the variables through which global setup hands its servers to the test files. */
export const TEST_ENV = {
  temporalAddress: 'TW_TEST_TEMPORAL_ADDRESS',
  temporalCli: 'TW_TEST_TEMPORAL_CLI',
  databaseUrl: 'TW_TEST_DATABASE_URL',
  workflowBundle: 'TW_TEST_WORKFLOW_BUNDLE',
} as const;

export type TestGlobals = typeof globalThis & { __twTeardown?: () => Promise<void> };

export function testEnv(name: keyof typeof TEST_ENV): string {
  const value = process.env[TEST_ENV[name]];
  if (value === undefined) throw new Error(`${TEST_ENV[name]} is not set: run the tests through jest (global setup)`);
  return value;
}
