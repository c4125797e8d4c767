/**
 * docker-compose.yml cannot run here, so its wiring is checked against the code it starts:
 * every variable is one the config schema knows and parses, every command is a file the build
 * produces, and the start-up order is the one the processes need.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configSchema, loadConfig } from '../src/config';
import { parseDurationMs } from '../src/shared/durations';

const root = path.resolve(__dirname, '..');
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  volumes?: string[];
}
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const services = compose.services;
const appServices = ['migrate', 'api', 'worker'] as const;

/** `${NAME:?message}`: Compose refuses to start unless the operator's environment sets NAME. */
const REQUIRED_FROM_ENV = /^\$\{([A-Z_]+):\?[^}]+\}$/;
/** What an operator would set them to, so the schema can check the rest. */
const OPERATOR_ENV: Record<string, string> = { ADMIN_API_KEY: 'k'.repeat(40), ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') };

const rawEnvOf = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[name]?.environment ?? {}).map(([key, value]) => [key, String(value)]));
const envOf = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(rawEnvOf(name)).map(([key, value]) => [key, REQUIRED_FROM_ENV.test(value) ? (OPERATOR_ENV[key] ?? value) : value]));

test.each(['api', 'worker'])('%s takes its keys from the operator, with no default in the file', (name) => {
  const env = rawEnvOf(name);
  for (const key of ['ADMIN_API_KEY', 'ENCRYPTION_KEY']) expect({ [key]: REQUIRED_FROM_ENV.exec(env[key] ?? '')?.[1] }).toEqual({ [key]: key });
});

test('the stack has Postgres, Temporal on Postgres, the Temporal UI, migrations, the API and the worker', () => {
  expect(Object.keys(services).sort()).toEqual(['api', 'migrate', 'postgresql', 'temporal', 'temporal-ui', 'worker']);
  expect(services.temporal?.image).toMatch(/^temporalio\/auto-setup:\d+\.\d+\.\d+$/);
  expect(services.temporal?.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
  expect(services['temporal-ui']?.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
});

test.each(appServices)('%s reads only variables of the config schema, and they parse', (name) => {
  const env = envOf(name);
  const known = new Set(Object.keys(configSchema.shape));
  expect(Object.keys(env).filter((key) => !known.has(key))).toEqual([]);
  const config = loadConfig(env);
  expect(config.TEMPORAL_ADDRESS).toBe('temporal:7233');
  expect(new URL(config.DATABASE_URL).hostname).toBe('postgresql');
});

test.each(appServices)('%s runs a file that the build emits from an existing source', (name) => {
  const command = services[name]?.command ?? [];
  expect(command[0]).toBe('node');
  const emitted = command[1] ?? '';
  expect(emitted).toMatch(/^dist\/src\/.+\.js$/);
  expect(existsSync(path.join(root, emitted.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  expect(services[name]?.build).toBe('.');
});

test('the database credentials of the app match the Postgres service', () => {
  const url = new URL(envOf('api').DATABASE_URL ?? '');
  const pg = envOf('postgresql');
  expect([url.username, url.password, url.pathname.slice(1)]).toEqual([pg.POSTGRES_USER, pg.POSTGRES_PASSWORD, pg.POSTGRES_DB]);
});

test('the API and the worker start after migrations and a healthy Temporal', () => {
  for (const name of ['api', 'worker']) {
    expect(services[name]?.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      temporal: { condition: 'service_healthy' },
    });
  }
  expect(services.migrate?.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
  expect(services.temporal?.depends_on).toEqual({ postgresql: { condition: 'service_healthy' } });
  expect(services.api?.healthcheck?.test.join(' ')).toContain('/readyz');
});

test('docker stops the worker only after its drain time', () => {
  const grace = loadConfig(envOf('worker')).WORKER_SHUTDOWN_GRACE;
  expect(parseDurationMs(services.worker?.stop_grace_period ?? '0s')).toBeGreaterThan(grace);
});

test('the image ships the prebuilt workflow bundle where the build writes it, and the migrations', () => {
  const bundleScript = readFileSync(path.join(root, 'scripts/bundle-workflows.ts'), 'utf8');
  expect(bundleScript).toContain("'dist/workflow-bundle.js'");
  expect(dockerfile).toMatch(/WORKFLOW_BUNDLE_PATH=\/app\/dist\/workflow-bundle\.js/);
  expect(dockerfile).toMatch(/^COPY migrations \.\/migrations$/m);
  expect(dockerfile).toMatch(/^RUN npm run build/m);
});

test('Temporal reads the dynamic config of the repository, which turns task queue fairness on', () => {
  const file = String(services.temporal?.environment?.DYNAMIC_CONFIG_FILE_PATH ?? '');
  const mount = (services.temporal?.volumes ?? []).map((volume) => volume.split(':')).find(([, target]) => target === file);
  expect(mount).toBeDefined();
  const [source, , mode] = mount ?? [];
  expect(mode).toBe('ro');
  const dynamicConfig = parse(readFileSync(path.join(root, source ?? ''), 'utf8')) as Record<string, { value: unknown; constraints?: unknown }[]>;
  expect(dynamicConfig['matching.enableFairness']).toEqual([{ value: true }]);
});
