/** Generates the typed TypeScript client's schema from docs/openapi.json. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Writes clients/typescript/src/schema.d.ts from docs/openapi.json with openapi-typescript
 * (test/client-types-committed.test.ts keeps it current).
 */
export const ROOT = join(__dirname, '..');
export const CLIENT_TYPES_PATH = join(ROOT, 'clients', 'typescript', 'src', 'schema.d.ts');
const CLI = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');

/** Generates the types into `output`. */
export function generateClientTypes(output: string): void {
  execFileSync(process.execPath, [CLI, join(ROOT, 'docs', 'openapi.json'), '--output', output], { cwd: ROOT, stdio: 'pipe' });
}

if (require.main === module) {
  generateClientTypes(CLIENT_TYPES_PATH);
  console.log(`wrote ${CLIENT_TYPES_PATH}`);
}
