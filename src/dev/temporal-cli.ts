/** Finds the Temporal CLI: TEMPORAL_CLI_PATH, the project's own build, PATH, or the SDK's download. */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const LOCAL_CLI = path.join(PROJECT_ROOT, '.tools', 'bin', 'temporal');

/** Whether `file` exists and may be run. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Temporal CLI to run the dev server with, in the same order as scripts/setup:
 * TEMPORAL_CLI_PATH, `temporal` on PATH, then .tools/bin/temporal. Undefined means none is installed,
 * and the SDK downloads its own.
 */
export function findTemporalCli(env: Record<string, string | undefined>): string | undefined {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) throw new Error(`TEMPORAL_CLI_PATH=${env.TEMPORAL_CLI_PATH} is not an executable file`);
    return env.TEMPORAL_CLI_PATH;
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  return isExecutable(LOCAL_CLI) ? LOCAL_CLI : undefined;
}
