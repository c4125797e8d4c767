/** Once per run, after every test file: stops what global setup started. */
import type { TestGlobals } from './test-env';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as TestGlobals).__twTeardown?.();
}
