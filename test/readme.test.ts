/** The README: its configuration table is the one the schema renders, and it names every search attribute and the two commands a newcomer runs. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../src/config';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/temporal';
import { renderConfigTable, TABLE_END, TABLE_START, withConfigTable } from '../scripts/config-table';

const readme = readFileSync(path.resolve(__dirname, '..', 'README.md'), 'utf8');

test('the configuration table in README.md is the one the schema renders (npm run docs:config)', () => {
  expect(readme).toBe(withConfigTable(readme));
  const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));
  for (const name of Object.keys(configSchema.shape)) expect(table).toContain(`| \`${name}\` |`);
});

test('the rendered table shows defaults as written in the environment and marks required variables', () => {
  const table = renderConfigTable();
  expect(table).toContain('| `DELIVERY_RETRY_WINDOW` | `24h` |');
  expect(table).toContain('| `DATABASE_URL` | **required** |');
  expect(table).toContain('| `PORT` | `3000` |');
});

test('README.md names every search attribute the workflows set', () => {
  for (const key of ALL_SEARCH_ATTRIBUTES) expect(readme).toContain(`\`${key.name}\``);
});

test('README.md gives exactly the two commands a newcomer runs', () => {
  expect(readme).toMatch(/^npm start\s+#/m);
  expect(readme).toMatch(/^npm test\s+#/m);
});
