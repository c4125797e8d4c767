import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers', 'tls', 'url',
  'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.tools/**', '.data/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  // Imports go one way: api → delivery/activities → core → db, with shared/ below everything and the
  // entry points (service, compose, the servers, the dev launcher) above it. Each layer names what it may not import.
  ...layerRules(),
);

/** Relative import paths that reach `src/<folder>` from one to three folders deep. */
function into(folder) {
  return [1, 2, 3].flatMap((depth) => {
    const up = '../'.repeat(depth);
    return [`${up}${folder}`, `${up}${folder}/**`];
  });
}

/** One `no-restricted-imports` block per layer of src/: the folders above it, and packages it must not use. */
function layerRules() {
  const builtins = nodeBuiltins.flatMap((name) => [name, `node:${name}`]);
  const entry = ['service', 'compose', 'dev', 'cli', 'worker'];
  const layers = [
    {
      // Replayed, so deterministic: shared definitions and the activities' types only.
      files: ['src/workflows/**/*.ts'],
      folders: ['api', 'core', 'db', 'delivery', 'observability', 'inbound', 'config', 'logger', ...entry],
      packages: [...builtins, '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'express', 'pg'],
      extra: [
        { group: ['node:*'], message: 'Node built-ins are not allowed in workflow code.' },
        { group: ['../activities', '../activities/**'], allowTypeImports: true, message: 'Workflow code imports activities only as types.' },
      ],
      why: 'workflow code imports only shared/ and the activities\' types',
    },
    {
      files: ['src/shared/**/*.ts'],
      folders: ['api', 'core', 'db', 'delivery', 'activities', 'workflows', 'observability', 'inbound', 'config', 'logger', ...entry],
      packages: [...builtins, '@temporalio/client', '@temporalio/worker', '@temporalio/activity', 'express', 'pg'],
      extra: [{ group: ['node:*'], message: 'Node built-ins are not allowed in code that workflows load.' }],
      why: 'shared/ is loaded by workflows and by everything else, and imports nothing of the service',
    },
    {
      files: ['src/db/**/*.ts'],
      folders: ['api', 'core', 'delivery', 'activities', 'workflows', 'inbound', ...entry],
      packages: ['express', '@temporalio/client', '@temporalio/worker', '@temporalio/workflow', '@temporalio/activity'],
      why: 'db/ is the bottom layer: tables and their queries',
    },
    {
      files: ['src/core/**/*.ts'],
      folders: ['api', 'delivery', 'activities', 'workflows', 'inbound', ...entry],
      packages: ['express', '@temporalio/client', '@temporalio/worker', '@temporalio/workflow'],
      why: 'core/ is the domain: free of Express and of Temporal clients, above db/ only',
    },
    {
      files: ['src/delivery/**/*.ts', 'src/activities/**/*.ts', 'src/inbound/**/*.ts', 'src/observability/**/*.ts'],
      folders: ['api', ...entry],
      packages: ['express'],
      why: 'services and activities sit below the API and the entry points',
    },
  ];
  return layers.map(({ files, folders, packages, extra = [], why }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: packages.map((name) => ({ name, message: `Not here: ${why}.` })),
          patterns: [{ group: folders.flatMap(into), message: `Not here: ${why}.` }, ...extra],
        },
      ],
      ...(files[0].startsWith('src/workflows') || files[0].startsWith('src/shared')
        ? { '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports' }] }
        : {}),
    },
  }));
}
