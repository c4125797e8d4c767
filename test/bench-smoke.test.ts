/**
 * `npm run bench -- --quick` end to end, against the suite's Temporal server and Postgres: it finishes by
 * itself, reports every scenario with plausible figures and leaves no database behind. No speed is asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { scaled, testEnv } from './setup/test-env';

// About 40 s alone on 2 idle cores; beside the rest of the suite it shares them with another test file,
// and its own servers (a Temporal server and the service) then take two to three times as long.
const TIMEOUT_MS = scaled(240_000);
jest.setTimeout(TIMEOUT_MS);

let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function runBench(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, '..');
  child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--quick', '--json-only', '--wait-seconds', String(Math.round((TIMEOUT_MS * 0.75) / 1000))], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TEMPORAL_ADDRESS: testEnv('temporalAddress'),
      DATABASE_URL: testEnv('databaseUrl'),
      WORKFLOW_BUNDLE_PATH: testEnv('workflowBundle'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve) => child!.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** Every number anywhere in the report, with its path. */
function numbers(value: unknown, at = ''): [string, number][] {
  if (typeof value === 'number') return [[at, value]];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => numbers(inner, at ? `${at}.${key}` : key));
  return [];
}

test('npm run bench -- --quick reports every scenario and cleans up after itself', async () => {
  const { code, stdout, stderr } = await runBench();
  if (code !== 0) throw new Error(`bench exited with ${code}:\n${stderr.slice(-4000)}`);

  const report = JSON.parse(stdout.trim()) as Record<string, Record<string, unknown>> & { database: string };
  const figures: [string, string][] = [
    ['baseline', 'perSecond'],
    ['endToEnd', 'perSecond'],
    ['endToEnd', 'ratioToBaseline'],
    ['latency', 'p50'],
    ['latency', 'p95'],
    ['latency', 'p99'],
    ['publishApi', 'p50'],
    ['publishApi', 'p99'],
    ['fanOut', 'ms'],
    ['isolation', 'p99'],
    ['isolation', 'p99RatioToLatency'],
    ['parked', 'workerRssParkedMb'],
    ['parked', 'endToEndPerSecond'],
    ['parked', 'ratioToEndToEnd'],
    ['workerStart', 'startServiceMs'],
  ];
  for (const [scenario, figure] of figures) {
    const value = report[scenario]?.[figure];
    expect({ [`${scenario}.${figure}`]: typeof value === 'number' && Number.isFinite(value) && value > 0 }).toEqual({ [`${scenario}.${figure}`]: true });
  }
  for (const [at, value] of numbers(report)) expect({ [at]: Number.isFinite(value) && value >= 0 }).toEqual({ [at]: true });
  expect(report.parked.sampledInBackoff).toBe('20/20');

  // Its database is gone.
  const admin = new pg.Client({ connectionString: testEnv('databaseUrl') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [report.database]);
    expect(rowCount).toBe(0);
  } finally {
    await admin.end();
  }
});
