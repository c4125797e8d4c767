/** docs/openapi.json is the document the API serves, as committed. */
import { readFileSync } from 'node:fs';
import { OPENAPI_PATH, renderOpenApi } from '../scripts/openapi';

test('docs/openapi.json is the document the API serves (regenerate with `npm run docs:openapi`)', () => {
  expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(renderOpenApi());
});
