/**
 * Renders the configuration table of README.md from the zod schema in src/config.ts, so the
 * documentation cannot drift from the code. `npm run docs:config` rewrites the table in place;
 * a test fails when README.md holds anything else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from '../src/config';

export const TABLE_START = '<!-- config-table:start -->';
export const TABLE_END = '<!-- config-table:end -->';

interface PropertySchema {
  default?: unknown;
  description?: string;
}

export function renderConfigTable(): string {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as {
    properties: Record<string, PropertySchema>;
    required?: string[];
  };
  const required = new Set(json.required ?? []);
  const rows = Object.entries(json.properties).map(([name, property]) => {
    const fallback = property.default !== undefined ? `\`${String(property.default)}\`` : required.has(name) ? '**required**' : '(unset)';
    return `| \`${name}\` | ${fallback} | ${property.description ?? ''} |`;
  });
  return ['| Variable | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}

/** README text with the table between the markers replaced. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${TABLE_START} … ${TABLE_END} markers`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderConfigTable()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  const file = path.resolve(__dirname, '..', 'README.md');
  writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
  console.log(`configuration table written to ${file}`);
}
