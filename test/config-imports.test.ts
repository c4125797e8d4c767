/** Loading the configuration, as the migrate CLI does, must not load the Temporal workflow SDK: checked in a fresh Node process. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '..');

/** Requires `modules` (paths from the repository root) in a new Node process with tsx's loader; answers the @temporalio packages it then holds. */
async function temporalPackagesLoadedBy(modules: string[]): Promise<string[]> {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(require('node:path').resolve(m));
    const loaded = new Set();
    for (const file of Object.keys(require.cache)) {
      const match = /node_modules[\\\\/](@temporalio[\\\\/][^\\\\/]+)/.exec(file);
      if (match) loaded.add(match[1].replace('\\\\', '/'));
    }
    process.stdout.write(JSON.stringify([...loaded].sort()));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { PATH: process.env.PATH ?? '' } });
  return JSON.parse(stdout) as string[];
}

test('the configuration and the migrate CLI modules load no Temporal package', async () => {
  expect(await temporalPackagesLoadedBy(['src/config.ts', 'src/db/migrate.ts', 'src/db/pool.ts'])).toEqual([]);
});

test('the shared signals and queries do load the workflow SDK (the check above sees it when it is there)', async () => {
  expect(await temporalPackagesLoadedBy(['src/shared/temporal.ts'])).toContain('@temporalio/workflow');
});
