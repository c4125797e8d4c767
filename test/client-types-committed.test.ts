/** The typed client's types are the ones generated from docs/openapi.json as committed. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIENT_TYPES_PATH, generateClientTypes } from '../scripts/client-types';

test('the typed client is generated from docs/openapi.json as committed (regenerate with `npm run client:types`)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'client-types-'));
  try {
    const fresh = join(dir, 'schema.d.ts');
    generateClientTypes(fresh);
    expect(readFileSync(CLIENT_TYPES_PATH, 'utf8')).toBe(readFileSync(fresh, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
