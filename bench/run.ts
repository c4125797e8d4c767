/**
 * `npm run bench -- [--events N] [--concurrency C] [--quick] [--json-only] [--only a,b] [--hang-cap K]`
 *
 * Measures delivery on this machine against the ceiling of the Temporal server, in one run: a baseline
 * of no-op workflows, end-to-end throughput, publish → receipt latency, publish API latency, fan-out,
 * isolation from a hanging endpoint, and many deliveries parked in backoff. It brings its own receivers,
 * its own Postgres database (dropped at the end), its own Temporal dev server unless TEMPORAL_ADDRESS
 * names one, and runs the service (worker and API, as `npm start` does) in a process of its own.
 *
 * Service settings (WORKER_MAX_CONCURRENT_ACTIVITIES, DATABASE_POOL_SIZE, CIRCUIT_BREAKER_THRESHOLD, …)
 * are read from the environment like the service's own. BENCH_WORKER_NODE_ARGS adds Node options to
 * the worker processes only (e.g. "--max-old-space-size=1024").
 *
 * The service gets a random ADMIN_API_KEY and ENCRYPTION_KEY for the run; every API request carries the key.
 * Each scenario also reports the CPU seconds of the Temporal server, the service, Postgres and the rest
 * (bench/cpu.ts), which say what it was waiting on.
 *
 * Prints one JSON object with every figure on stdout, then a table (unless --json-only). Progress on stderr.
 *
 * This file is the runner: it reads the flags, sets the run up (bench/setup.ts), runs the chosen scenarios
 * (one file each in bench/scenarios/) and prints the report (bench/report.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { agent } from './api';
import type { Bench, BenchOptions, BenchSizes } from './context';
import { printTable, targetsOf } from './report';
import { baseline } from './scenarios/baseline';
import { endToEnd } from './scenarios/end-to-end';
import { endToEndDefaultCap } from './scenarios/end-to-end-default-cap';
import { fanOut } from './scenarios/fan-out';
import { isolation } from './scenarios/isolation';
import { latency } from './scenarios/latency';
import { parked } from './scenarios/parked';
import { publishApi } from './scenarios/publish-api';
import { workerStartFromSource } from './scenarios/worker-start-from-source';
import { setUpBench } from './setup';
import { type SharedService, startSharedService } from './shared-service';
import { round } from './stats';

const SCENARIOS = ['baseline', 'endToEnd', 'endToEndDefaultCap', 'latency', 'publishApi', 'fanOut', 'isolation', 'parked', 'workerStartFromSource'] as const;
type Scenario = (typeof SCENARIOS)[number];
/** Measured by a full run only, unless named in --only. */
const FULL_ONLY: Scenario[] = ['endToEndDefaultCap', 'workerStartFromSource'];

const { values: args } = parseArgs({
  options: {
    events: { type: 'string' },
    concurrency: { type: 'string', default: '32' },
    quick: { type: 'boolean', default: false },
    'json-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    'hang-cap': { type: 'string' },
    'wait-seconds': { type: 'string' },
    temporal: { type: 'string', default: 'dev' },
  },
});
if (args.temporal !== 'dev' && args.temporal !== 'cluster') throw new Error('--temporal takes dev or cluster');

const quick = args.quick === true;
const N = Number(args.events ?? (quick ? 60 : 2000));
const C = Number(args.concurrency);
if (!Number.isInteger(N) || N < 1 || !Number.isInteger(C) || C < 1) throw new Error('--events and --concurrency take positive integers');
const only = args.only?.split(',').map((name) => name.trim()).filter(Boolean);
for (const name of only ?? []) if (!SCENARIOS.includes(name as Scenario)) throw new Error(`unknown scenario ${name}; known: ${SCENARIOS.join(', ')}`);
const enabled = (scenario: Scenario): boolean => (only ? only.includes(scenario) : !(quick && FULL_ONLY.includes(scenario)));

const sizes: BenchSizes = {
  latencyRate: 20,
  latencySeconds: quick ? 2 : 10,
  publishClients: 32,
  publishSeconds: quick ? 1 : 5,
  fanOut: quick ? 25 : 100,
  hanging: quick ? 30 : 1000,
  hangTimeoutMs: 1000,
  /** Long enough to include the waves of retries of the held-back deliveries (every 30 s or more). */
  isolationSeconds: quick ? 2 : 60,
  /** Default per-config cap of the service (10) unless --hang-cap says otherwise. */
  hangCap: args['hang-cap'] ? Number(args['hang-cap']) : undefined,
  parked: quick ? 150 : 10_000,
  parkedSample: 20,
  defaultCapEvents: 500,
};
/** Longest wait for any one scenario's work before the run gives up; --wait-seconds for a busy machine. */
const WAIT_MS = args['wait-seconds'] ? Number(args['wait-seconds']) * 1000 : quick ? 60_000 : 600_000;
if (!Number.isFinite(WAIT_MS) || WAIT_MS <= 0) throw new Error('--wait-seconds takes a positive number');

const startedAt = performance.now();
const log = (line: string): void => {
  if (!args['json-only']) console.error(`[bench ${((performance.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${line}`);
};

const options: BenchOptions = { events: N, concurrency: C, quick, temporal: args.temporal, sizes, waitMs: WAIT_MS };

/**
 * The scenarios in the order they run. Those of the shared service (2 to 6) run in one service process,
 * started before the first of them and stopped after the last; the others start processes of their own.
 */
const FIRST: [Scenario, (bench: Bench) => Promise<void>][] = [
  ['baseline', baseline],
  ['workerStartFromSource', workerStartFromSource],
];
const ON_SHARED_SERVICE: [Scenario, (bench: Bench, service: SharedService) => Promise<void>][] = [
  ['endToEnd', endToEnd],
  ['endToEndDefaultCap', endToEndDefaultCap],
  ['latency', latency],
  ['publishApi', publishApi],
  ['fanOut', fanOut],
  ['isolation', isolation],
];
const LAST: [Scenario, (bench: Bench) => Promise<void>][] = [['parked', parked]];

async function main(): Promise<Record<string, unknown>> {
  const began = performance.now();
  const tag = randomBytes(4).toString('hex');
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'tw-bench-'));
  /** Run last-in first-out at the end, whatever happened. */
  const cleanups: (() => Promise<unknown>)[] = [() => rm(workDir, { recursive: true, force: true })];
  const results: Record<string, unknown> = {
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGb: round(os.totalmem() / 1024 ** 3, 0), node: process.version, loadAverageAtStart: os.loadavg()[0] },
    events: N,
    concurrency: C,
    quick,
  };
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: cleaning up');
    void runCleanups(cleanups).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const bench = await setUpBench(options, { tag, log, results, cleanups, workDir, began });
    for (const [name, run] of FIRST) if (enabled(name)) await run(bench);
    const onShared = ON_SHARED_SERVICE.filter(([name]) => enabled(name));
    if (onShared.length > 0) {
      const service = await startSharedService(bench);
      for (const [, run] of onShared) await run(bench, service);
      await service.process.stop();
    }
    for (const [name, run] of LAST) if (enabled(name)) await run(bench);
    results.targets = targetsOf(results);
    (results.machine as Record<string, unknown>).loadAverageAtEnd = os.loadavg()[0];
    results.totalSeconds = round((performance.now() - began) / 1000, 1);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!interrupted) await runCleanups(cleanups);
  }
  return results;
}

async function runCleanups(cleanups: (() => Promise<unknown>)[]): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => log(`cleanup: ${String(error)}`));
  await agent.close();
}

main().then(
  (results) => {
    console.log(JSON.stringify(results));
    if (!args['json-only']) printTable(results);
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
