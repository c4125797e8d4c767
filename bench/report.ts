/** The benchmark's report: which targets a run met, and the table printed after its JSON line. */
import { round } from './stats';

export interface Target {
  figure: string;
  measured: number;
  unit: string;
  target: string;
  met: boolean;
}

/** Each target the run measured, with its figure and whether it is met. */
export function targetsOf(r: Record<string, unknown>): Target[] {
  const get = (key: string) => r[key] as Record<string, unknown> | undefined;
  const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
  const targets: Target[] = [];
  const check = (figure: string, measured: number | undefined, unit: string, target: string, met: (x: number) => boolean) => {
    if (measured !== undefined) targets.push({ figure, measured, unit, target, met: met(measured) });
  };
  check('2 end-to-end throughput', num(get('endToEnd')?.perSecond), 'deliveries/s', '>= 150', (x) => x >= 150);
  check('4 publish API p50, 32 clients', num(get('publishApi')?.p50), 'ms', '<= 15', (x) => x <= 15);
  check('4 publish API p99, 32 clients', num(get('publishApi')?.p99), 'ms', '<= 50', (x) => x <= 50);
  check('3 publish -> receipt p50, idle', num(get('latency')?.p50), 'ms', '<= 30', (x) => x <= 30);
  const fanOut = get('fanOut');
  if (fanOut?.configs === 100) check('5 fan-out to 100 configs', num(fanOut.ms), 'ms', '< 1000', (x) => x < 1000);
  const idleP99 = num(get('latency')?.p99);
  const isolation = get('isolation');
  if (idleP99 !== undefined && isolation) {
    const burst = (isolation.burst as { healthy?: { p99?: number } } | undefined)?.healthy?.p99;
    check('6 isolation: healthy p99 during the burst', burst, 'ms', `< ${round(2 * idleP99)} (2 x idle p99)`, (x) => x < 2 * idleP99);
    check('6 isolation: healthy p99 after the burst', num(isolation.p99), 'ms', `< ${round(2 * idleP99)} (2 x idle p99)`, (x) => x < 2 * idleP99);
  }
  const parked = get('parked');
  check('7 parked: service RSS with 10,000 in backoff', parked?.deliveries === 10_000 ? num(parked.workerRssParkedMb) : undefined, 'MB', '< 300', (x) => x < 300);
  check('7 parked: throughput beside them', num(parked?.ratioToEndToEnd), 'x scenario 2', '>= 0.9', (x) => x >= 0.9);
  return targets;
}

export function printTable(r: Record<string, unknown>): void {
  const get = (key: string) => (r[key] ?? {}) as Record<string, number | string | null>;
  const has = (key: string) => r[key] !== undefined;
  const rows: [string, string, string][] = [];
  const add = (key: string, name: string, value: () => string, note = '') => {
    if (has(key)) rows.push([name, value(), note]);
  };
  add('baseline', '1 baseline: no-op workflows', () => `${get('baseline').perSecond} workflows/s`);
  add('endToEnd', '2 end-to-end throughput (cap 1000)', () => `${get('endToEnd').perSecond} deliveries/s`, `${get('endToEnd').ratioToBaseline} x baseline`);
  add('endToEndDefaultCap', '2 end-to-end throughput (cap 10)', () => `${get('endToEndDefaultCap').perSecond} deliveries/s`);
  add('latency', '3 latency publish -> receipt', () => `p50 ${get('latency').p50} / p95 ${get('latency').p95} / p99 ${get('latency').p99} ms`);
  add('publishApi', '4 publish API, 32 clients', () => `p50 ${get('publishApi').p50} / p99 ${get('publishApi').p99} ms`, `${get('publishApi').perSecond} requests/s`);
  add('fanOut', `5 fan-out to ${get('fanOut').configs} configs`, () => `${get('fanOut').ms} ms`, `publish answered after ${get('fanOut').publishMs} ms`);
  add('isolation', '6 isolation: healthy latency', () => `p50 ${get('isolation').p50} / p99 ${get('isolation').p99} ms`, `p99 ${get('isolation').p99RatioToLatency} x scenario 3`);
  add('parked', '7 parked: worker process RSS', () => `${get('parked').workerRssParkedMb} MB`, `${get('parked').deliveries} parked`);
  add('parked', '7 parked: throughput beside', () => `${get('parked').endToEndPerSecond} deliveries/s`, `${get('parked').ratioToEndToEnd} x scenario 2`);
  add('workerStart', 'worker start, prebuilt bundle', () => `${get('workerStart').startServiceMs} ms`, `process ready after ${get('workerStart').processReadyMs} ms; target < 3000 ms`);
  add('workerStartFromSource', 'worker start, bundled from source', () => `${get('workerStartFromSource').startServiceMs} ms`);
  const cpuRow = (key: string, name: string, pick: (r: Record<string, unknown>) => unknown) => {
    const use = has(key) ? (pick(r[key] as Record<string, unknown>) as Record<string, number | null> | null | undefined) : undefined;
    if (use) rows.push([name, `temporal ${use.temporalServer ?? '-'} / worker ${use.workerProcess ?? '-'} / postgres ${use.postgres} / other ${use.otherProcesses} s`, `over ${use.wallSeconds} s wall; machine ${Math.round((use.machineUtilisation ?? 0) * 100)} % busy`]);
  };
  cpuRow('baseline', 'cpu: 1 baseline', (x) => x.cpuSeconds);
  cpuRow('endToEnd', 'cpu: 2 end-to-end', (x) => x.cpuSeconds);
  cpuRow('publishApi', 'cpu: 4 publish API', (x) => x.cpuSeconds);
  cpuRow('isolation', 'cpu: 6 isolation window', (x) => x.windowCpuSeconds);
  cpuRow('parked', 'cpu: 7 throughput beside parked', (x) => x.endToEndCpuSeconds);
  const e2e = get('endToEnd');
  if (has('endToEnd')) {
    rows.push(['2 per delivery', `${e2e.historyEventsPerDelivery} history events, ${e2e.serverCallsPerDelivery} server calls, ${e2e.dbQueriesPerDelivery} Postgres statements`, `${e2e.workflowTasksPerDelivery} workflow tasks polled (an eager start's first is not), ${e2e.activityTasksPerDelivery} activity tasks, ${e2e.localActivitiesPerDelivery} local activities`]);
  }
  for (const t of (r.targets ?? []) as Target[]) rows.push([`target: ${t.figure}`, `${t.measured} ${t.unit}`, `${t.target}: ${t.met ? 'met' : 'missed'}`]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  console.log('');
  for (const [name, value, note] of rows) console.log(`${name.padEnd(widths[0]!)}  ${value.padEnd(widths[1]!)}  ${note}`);
  console.log(`total ${String(r.totalSeconds)} s`);
}
