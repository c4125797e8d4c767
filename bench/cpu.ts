/**
 * CPU time spent by each part of the run, from /proc (Linux; elsewhere every figure is null): the
 * Temporal server, the worker process, Postgres, the bench driver itself, and everything else on the
 * machine. On a 2-core machine it says which part a scenario was waiting on.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface CpuGroups {
  /** Processes whose command line contains this text (the dev server's database file). */
  temporalMatch?: string;
  /** The worker process of the scenario. */
  workerPid?: number;
}

type Group = 'temporal' | 'worker' | 'postgres' | 'bench';

interface Snapshot {
  at: number;
  total: number;
  /** Ticks of each process so far, by group and pid: a process that ends meanwhile drops out, it does not count negative. */
  ticks: Record<Group, Map<string, number>>;
}

/** utime + stime of one process, in ticks; 0 once it is gone. */
function processTicks(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

function read(groups: CpuGroups): Snapshot | null {
  let cpuLine: string;
  try {
    cpuLine = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  } catch {
    return null;
  }
  // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
  const [user, nice, system, , , irq, softirq, steal] = cpuLine.trim().split(/\s+/).slice(1).map(Number);
  const snapshot: Snapshot = {
    at: performance.now(),
    total: user! + nice! + system! + irq! + softirq! + (steal ?? 0),
    ticks: { temporal: new Map(), worker: new Map(), postgres: new Map(), bench: new Map([[String(process.pid), processTicks(process.pid)]]) },
  };
  if (groups.workerPid) snapshot.ticks.worker.set(String(groups.workerPid), processTicks(groups.workerPid));
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (groups.temporalMatch && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(groups.temporalMatch)) snapshot.ticks.temporal.set(pid, processTicks(pid));
      else if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') snapshot.ticks.postgres.set(pid, processTicks(pid));
    } catch {
      // gone meanwhile
    }
  }
  return snapshot;
}

export interface CpuUse {
  wallSeconds: number;
  /** CPU seconds of each part; busy is the whole machine's. */
  temporalServer: number | null;
  workerProcess: number | null;
  postgres: number | null;
  benchDriver: number;
  otherProcesses: number;
  machineBusy: number;
  /** machineBusy / (wall × cores): 1 means every core was busy all along. */
  machineUtilisation: number;
}

const seconds = (ticks: number): number => Math.round((ticks / TICKS_PER_SECOND) * 10) / 10;

/** Starts measuring; the returned function ends the measurement and answers the CPU used meanwhile. */
export function measureCpu(groups: CpuGroups, cores: number): () => CpuUse | null {
  const before = read(groups);
  return () => {
    const after = read(groups);
    if (!before || !after) return null;
    const d = (key: Group | 'total'): number => {
      if (key === 'total') return Math.max(0, after.total - before.total);
      let sum = 0;
      for (const [pid, ticks] of after.ticks[key]) sum += Math.max(0, ticks - (before.ticks[key].get(pid) ?? 0));
      return sum;
    };
    const wallSeconds = (after.at - before.at) / 1000;
    const known = d('temporal') + d('worker') + d('postgres') + d('bench');
    return {
      wallSeconds: Math.round(wallSeconds * 10) / 10,
      temporalServer: groups.temporalMatch ? seconds(d('temporal')) : null,
      workerProcess: groups.workerPid ? seconds(d('worker')) : null,
      postgres: seconds(d('postgres')),
      benchDriver: seconds(d('bench')),
      otherProcesses: seconds(Math.max(0, d('total') - known)),
      machineBusy: seconds(d('total')),
      machineUtilisation: Math.round((d('total') / TICKS_PER_SECOND / (wallSeconds * cores)) * 100) / 100,
    };
  };
}
