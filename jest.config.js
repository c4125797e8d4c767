// TEST_TIME_FACTOR stretches every wait in the tests (test/setup/test-env.ts) and this timeout alike.
const factor = Number(process.env.TEST_TIME_FACTOR || 1);

/**
 * Tests that start many processes of their own (a Temporal cluster, several services, the benchmark) run
 * after the rest and one at a time: `npm test` runs jest a second time with TEST_PHASE=heavy for them, so
 * that they never compete with each other, or with the waits of the other tests, for CI's 2 cores.
 * Run one of them alone with `TEST_PHASE=heavy npx jest test/<name>.test.ts`.
 */
const HEAVY = ['cluster-many-processes', 'temporal-cluster', 'bench-smoke'];
const heavyPhase = process.env.TEST_PHASE === 'heavy';
const heavyPattern = `/test/(${HEAVY.join('|')})\\.test\\.ts$`;

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: heavyPhase ? ['/node_modules/', `^(?!.*${heavyPattern})`] : ['/node_modules/', heavyPattern],
  transform: {
    // Types are checked once by `npm run typecheck`; here files are only transpiled.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // jose and @octokit/webhooks-methods ship ES modules only: Node loads them with require(), Jest's
    // module system needs them transpiled to CommonJS first. So does Scalar's Express middleware (/docs).
    '^.+/node_modules/(jose|@octokit/webhooks-methods|@scalar/[^/]+)/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(jose|@octokit/webhooks-methods|@scalar)/)'],
  // Exported for `import` only; Jest's require() gets its Node build, transpiled above.
  moduleNameMapper: { '^@octokit/webhooks-methods$': '<rootDir>/node_modules/@octokit/webhooks-methods/dist-node/index.js' },
  setupFiles: ['<rootDir>/test/setup/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: Math.round(90_000 * (Number.isFinite(factor) && factor >= 1 ? factor : 1)),
  maxWorkers: 2,
  forceExit: false,
};
