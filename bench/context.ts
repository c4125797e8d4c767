/** What every scenario of the benchmark is given: the run's sizes and limits, its Temporal client, receivers, service settings and report. */
import type { Client } from '@temporalio/client';
import type { CpuUse } from './cpu';
import type { BenchReceiver } from './receiver';
import type { WorkerProcess } from './worker-processes';

/** How much each scenario does; smaller with --quick. */
export interface BenchSizes {
  latencyRate: number;
  latencySeconds: number;
  publishClients: number;
  publishSeconds: number;
  fanOut: number;
  hanging: number;
  hangTimeoutMs: number;
  /** Long enough to include the waves of retries of the held-back deliveries (every 30 s or more). */
  isolationSeconds: number;
  /** Default per-config cap of the service (10) unless --hang-cap says otherwise. */
  hangCap: number | undefined;
  parked: number;
  parkedSample: number;
  defaultCapEvents: number;
}

/** The run as its flags set it. */
export interface BenchOptions {
  /** Events of the throughput scenarios (--events). */
  events: number;
  /** Publishing clients of the closed loops (--concurrency). */
  concurrency: number;
  quick: boolean;
  /** The Temporal server the run starts when TEMPORAL_ADDRESS names none (--temporal). */
  temporal: 'dev' | 'cluster';
  sizes: BenchSizes;
  /** Longest wait for any one scenario's work before the run gives up (--wait-seconds). */
  waitMs: number;
}

/** The run once its servers are up (bench/setup.ts). */
export interface Bench extends BenchOptions {
  /** Names this run's database, task queues, orgs and workflow ids. */
  tag: string;
  /** Progress on stderr, unless --json-only. */
  log(line: string): void;
  /** The JSON report: scenarios add their figures in the order they run. */
  results: Record<string, unknown>;
  /** Run last-in first-out at the end, whatever happened. */
  cleanups: (() => Promise<unknown>)[];
  client: Client;
  queues: { baseline: string; service: string; parked: string; source: string };
  /** The environment of the service processes. */
  serviceEnv: Record<string, string>;
  /** The no-op workflows of the baseline, bundled. */
  baselineBundle: string;
  receivers: { ok: BenchReceiver; failing: BenchReceiver; hanging: BenchReceiver };
  /** CPU seconds of each part from now until the returned function is called. */
  cpu(worker: WorkerProcess): () => CpuUse | null;
}
