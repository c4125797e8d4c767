/** Finds running processes by their command line, for tests that check what a process left behind. */
import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the running processes whose command line holds `args` one after the other, e.g. a file only they use. */
export function processesWith(...args: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const commandLine = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (commandLine.some((_, at) => args.every((arg, offset) => commandLine[at + offset] === arg))) pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
