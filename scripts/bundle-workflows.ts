/**
 * Builds the workflow bundle once, so workers start without bundling: `WORKFLOW_BUNDLE_PATH` points at it.
 * Usage: bundle-workflows [output path, default dist/workflow-bundle.js]
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../src/worker/workflow-interceptors';

export async function writeWorkflowBundle(outputPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    workflowInterceptorModules: [...WORKFLOW_INTERCEPTOR_MODULES],
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
  await mkdir(path.dirname(outputPath), { recursive: true });
  await writeFile(outputPath, code);
  return outputPath;
}

if (require.main === module) {
  const output = path.resolve(process.argv[2] ?? 'dist/workflow-bundle.js');
  writeWorkflowBundle(output)
    .then((file) => console.log(`workflow bundle written to ${file}`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
