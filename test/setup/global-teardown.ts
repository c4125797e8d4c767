import type { TestGlobals } from './test-env';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as TestGlobals).__twTeardown?.();
}
