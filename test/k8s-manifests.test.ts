/**
 * deploy/k8s cannot be applied here (no cluster, and kubeconform cannot fetch its schemas), so its wiring
 * is checked against the code it runs: every variable is one the config schema knows and parses, every
 * secret key referenced exists, commands are files the build emits, and ports, probes and the autoscaler
 * point at what the processes serve and the task queue they poll.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { configSchema, loadConfig } from '../src/config';
import { parseDurationMs } from '../src/shared/durations';

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'deploy', 'k8s');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: {
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { name?: string; port: number; targetPort: string | number }[];
    template?: {
      metadata: { labels: Record<string, string> };
      spec: { containers: Container[]; initContainers?: Container[]; terminationGracePeriodSeconds?: number };
    };
    scaleTargetRef?: { kind: string; name: string };
    maxReplicas?: number;
    metrics?: { type: string; external?: { metric: { name: string; selector: { matchLabels: Record<string, string> } } } }[];
  };
}

const kustomization = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as {
  resources: string[];
  secretGenerator: { name: string; envs: string[] }[];
  images: { name: string }[];
};
const manifests: Manifest[] = kustomization.resources.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((doc) => doc.toJS() as Manifest),
);
const find = (kind: string, name: string): Manifest => {
  const found = manifests.find((m) => m.kind === kind && m.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found;
};

const configMap = find('ConfigMap', 'temporal-webhooks-config');
const secret = kustomization.secretGenerator.find((s) => s.name === 'temporal-webhooks-secrets');
/** The keys the operator's secrets.env must set, read from the example the kustomization points to. */
const secretKeys = new Map(
  readFileSync(path.join(dir, `${secret?.envs[0]}.example`), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)]),
);
/** What an operator would put in secrets.env, so the schema can check the rest. */
const OPERATOR_SECRETS: Record<string, string> = {
  DATABASE_URL: 'postgres://webhooks:pw@postgres.internal:5432/webhooks',
  ADMIN_API_KEY: 'k'.repeat(40),
  ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  ENCRYPTION_PREVIOUS_KEYS: '',
};

const deployments = { api: find('Deployment', 'temporal-webhooks-api'), worker: find('Deployment', 'temporal-webhooks-worker') };
const containersOf = (deployment: Manifest): Container[] => [
  ...(deployment.spec?.template?.spec.initContainers ?? []),
  ...(deployment.spec?.template?.spec.containers ?? []),
];

/** The environment a container starts with: its ConfigMap, its own values, and the operator's secrets. */
function envOf(container: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    expect(from.configMapRef?.name).toBe(configMap.metadata.name);
    Object.assign(env, configMap.data);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    env[variable.name] = ref ? OPERATOR_SECRETS[ref.key] : (variable.value ?? '');
  }
  return env;
}

test('the secrets have no value in the repository: secrets.env is ignored by git, its example sets nothing', () => {
  expect(secret?.envs).toEqual(['secrets.env']);
  expect(readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('deploy/k8s/secrets.env');
  expect([...secretKeys.values()].every((value) => value === '')).toBe(true);
  expect(Object.values(configMap.data ?? {}).join(' ')).not.toMatch(/twk_admin_|postgres:\/\/[^@]*:[^@]*@/);
  for (const key of ['ADMIN_API_KEY', 'ENCRYPTION_KEY', 'ENCRYPTION_PREVIOUS_KEYS', 'DATABASE_URL']) expect(configMap.data).not.toHaveProperty(key);
});

test.each(Object.keys(deployments) as (keyof typeof deployments)[])('%s: every secret it references is a key of the Secret', (name) => {
  for (const container of containersOf(deployments[name])) {
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef;
      if (!ref) continue;
      expect(ref.name).toBe('temporal-webhooks-secrets');
      expect([...secretKeys.keys()]).toContain(ref.key);
      // The variable is read under the name the schema gives it.
      expect(variable.name).toBe(ref.key);
    }
  }
});

test.each(Object.keys(deployments) as (keyof typeof deployments)[])('%s: every variable is one of the config schema, and they parse', (name) => {
  const known = new Set(Object.keys(configSchema.shape));
  for (const container of containersOf(deployments[name])) {
    const env = envOf(container);
    expect(Object.keys(env).filter((key) => !known.has(key))).toEqual([]);
    const config = loadConfig(env);
    expect(new URL(config.DATABASE_URL).hostname).toBe('postgres.internal');
  }
});

test('the API gets what it requires (admin key, encryption key), the worker the encryption key, and both the same Temporal queue', () => {
  const api = envOf(deployments.api.spec!.template!.spec.containers[0]);
  const worker = envOf(deployments.worker.spec!.template!.spec.containers[0]);
  expect(loadConfig(api)).toMatchObject({ ADMIN_API_KEY: OPERATOR_SECRETS.ADMIN_API_KEY, ENCRYPTION_KEY: OPERATOR_SECRETS.ENCRYPTION_KEY });
  expect(loadConfig(worker).ENCRYPTION_KEY).toBe(OPERATOR_SECRETS.ENCRYPTION_KEY);
  for (const key of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'DATABASE_URL'] as const) {
    expect(loadConfig(api)[key]).toBe(loadConfig(worker)[key]);
  }
});

test.each(Object.keys(deployments) as (keyof typeof deployments)[])('%s: one image, and commands the build emits from existing sources', (name) => {
  for (const container of containersOf(deployments[name])) {
    expect(kustomization.images.map((image) => image.name)).toContain(container.image);
    const [node, emitted = ''] = container.command ?? [];
    expect(node).toBe('node');
    expect(emitted).toMatch(/^dist\/src\/.+\.js$/);
    expect(existsSync(path.join(root, emitted.replace(/^dist\//, '').replace(/\.js$/, '.ts')))).toBe(true);
  }
  const init = deployments[name].spec?.template?.spec.initContainers ?? [];
  expect(init.map((c) => c.command?.[1])).toEqual(['dist/src/cli/migrate.js']);
});

test('the API listens on the port its container and Service name, and its probes ask the health routes it serves', () => {
  const container = deployments.api.spec!.template!.spec.containers[0];
  const port = loadConfig(envOf(container)).PORT;
  expect(container.ports).toEqual([{ name: 'http', containerPort: port }]);
  const service = find('Service', 'temporal-webhooks-api');
  expect(service.spec?.selector).toEqual(deployments.api.spec?.template?.metadata.labels);
  expect(service.spec?.ports?.map((p) => p.targetPort)).toEqual(['http']);
  const routes = readFileSync(path.join(root, 'src/api/health/routes.ts'), 'utf8');
  expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'http' });
  expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'http' });
  expect(routes).toContain("router.get('/healthz'");
  expect(routes).toContain("router.get('/readyz'");
});

test('the worker serves no port, so it has no Service or HTTP probe, and Kubernetes waits out its drain', () => {
  const container = deployments.worker.spec!.template!.spec.containers[0];
  expect(container.ports).toBeUndefined();
  expect(container.livenessProbe?.httpGet ?? container.readinessProbe?.httpGet).toBeUndefined();
  expect(manifests.filter((m) => m.kind === 'Service').map((m) => m.spec?.selector)).not.toContainEqual(deployments.worker.spec?.template?.metadata.labels);
  const grace = loadConfig(envOf(container)).WORKER_SHUTDOWN_GRACE;
  expect((deployments.worker.spec?.template?.spec.terminationGracePeriodSeconds ?? 0) * 1000).toBeGreaterThan(grace);
  expect(parseDurationMs(configMap.data?.WORKER_SHUTDOWN_GRACE ?? '')).toBe(grace);
});

test('the worker autoscaler follows the backlog of the task queue and namespace the worker polls', () => {
  const hpa = find('HorizontalPodAutoscaler', 'temporal-webhooks-worker');
  expect(hpa.spec?.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployments.worker.metadata.name });
  const external = hpa.spec?.metrics?.find((metric) => metric.type === 'External')?.external;
  const config = loadConfig(envOf(deployments.worker.spec!.template!.spec.containers[0]));
  expect(external?.metric.selector.matchLabels).toEqual({ namespace: config.TEMPORAL_NAMESPACE, taskqueue: config.TEMPORAL_TASK_QUEUE });
  const adapter = parse(readFileSync(path.join(dir, 'prometheus-adapter-values.yaml'), 'utf8')) as {
    rules: { external: { seriesQuery: string; name: { as: string } }[] };
  };
  const rule = adapter.rules.external.find((r) => r.name.as === external?.metric.name);
  expect(rule?.seriesQuery).toMatch(/^approximate_backlog_count\{/);
});

test('the service reaches the frontend of the Temporal Helm release, whose values keep the chart off its own databases', () => {
  const values = parse(readFileSync(path.join(dir, 'temporal-values.yaml'), 'utf8')) as {
    server: { image: { tag: string }; config: { numHistoryShards: number; persistence: { default: { sql: { driver: string } }; visibility: { sql: { driver: string } } } } };
    cassandra: { enabled: boolean };
    postgresql: { enabled: boolean };
    elasticsearch: { enabled: boolean };
  };
  const address = loadConfig(envOf(deployments.api.spec!.template!.spec.containers[0])).TEMPORAL_ADDRESS;
  expect(address).toMatch(/^temporal-frontend\.temporal\.svc\.cluster\.local:7233$/);
  // The server the CLI pinned by this repository runs, so what is tested here is what runs there.
  const setup = readFileSync(path.join(root, 'scripts/setup'), 'utf8');
  expect(setup).toMatch(new RegExp(`^TEMPORAL_SERVER_VERSION=v${values.server.image.tag.replaceAll(".", "\\.")}\\b`, "m"));
  expect(values.server.config.persistence.default.sql.driver).toBe('postgres12');
  expect(values.server.config.persistence.visibility.sql.driver).toBe('postgres12');
  expect(Number.isInteger(Math.log2(values.server.config.numHistoryShards))).toBe(true);
  expect([values.cassandra.enabled, values.postgresql.enabled, values.elasticsearch.enabled]).toEqual([false, false, false]);
});

test('the Temporal Helm release dispatches each config\'s queued attempts fairly: task queue fairness is on for every queue', () => {
  const values = parse(readFileSync(path.join(dir, 'temporal-values.yaml'), 'utf8')) as {
    server: { dynamicConfig: Record<string, { value: unknown; constraints?: unknown }[]> };
  };
  // No constraints: the whole namespace, the delivery queue and its partitions included.
  expect(values.server.dynamicConfig['matching.enableFairness']).toEqual([{ value: true }]);
});

test('at their autoscalers\' maximum, the API and worker pools stay within the connections the docs budget for them', () => {
  const pool = Number(configMap.data?.DATABASE_POOL_SIZE);
  const max = (name: string) => find('HorizontalPodAutoscaler', name).spec?.maxReplicas ?? 0;
  const total = (max('temporal-webhooks-api') + max('temporal-webhooks-worker')) * pool;
  const docs = readFileSync(path.join(root, 'docs/scaling.md'), 'utf8');
  const budget = /service's Postgres: (\d+) connections for the API and worker pools/.exec(docs);
  expect(budget).not.toBeNull();
  expect(total).toBeLessThanOrEqual(Number(budget?.[1]));
});
