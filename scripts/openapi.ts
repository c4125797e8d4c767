/** Writes docs/openapi.json from the OpenAPI document the API serves. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/api/openapi';

/** Writes docs/openapi.json from the document the API serves (test/openapi-committed.test.ts keeps it current). */
export const OPENAPI_PATH = join(__dirname, '..', 'docs', 'openapi.json');

export function renderOpenApi(): string {
  return JSON.stringify(openApiDocument(), null, 2) + '\n';
}

if (require.main === module) {
  writeFileSync(OPENAPI_PATH, renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH}`);
}
