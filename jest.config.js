// TEST_TIME_FACTOR stretches every wait in the tests (test/setup/test-env.ts) and this timeout alike.
const factor = Number(process.env.TEST_TIME_FACTOR || 1);

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Types are checked once by `npm run typecheck`; here files are only transpiled.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
    // Scalar's Express middleware (the /docs page) ships as ES modules only; jest runs CommonJS.
    '/node_modules/@scalar/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!@scalar/)'],
  setupFiles: ['<rootDir>/test/setup/quiet-runtime.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: Math.round(90_000 * (Number.isFinite(factor) && factor >= 1 ? factor : 1)),
  maxWorkers: 2,
  forceExit: false,
};
