/** The README's walk-through and route table agree with the OpenAPI document. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src/api/openapi';
import { createResponseChecker, templateOf } from './helpers/openapi';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const document = openApiDocument();
const checker = createResponseChecker(document);

type Operation = { requestBody?: { content: Record<string, { schema: unknown }> } };
const operationOf = (method: string, path: string): Operation | undefined => {
  const template = templateOf(document, path);
  return template ? ((document.paths?.[template] as Record<string, Operation> | undefined)?.[method.toLowerCase()]) : undefined;
};

/** Each `curl` of the walk-through: method, path and JSON body. */
function walkThroughCalls(): { method: string; path: string; body?: unknown }[] {
  const start = readme.indexOf('## A walk through');
  const block = readme.slice(readme.indexOf('```sh', start), readme.indexOf('```\n', readme.indexOf('```sh', start) + 5));
  const commands = block.replace(/\\\n\s*/g, ' ').split('\n').filter((line) => line.startsWith('curl '));
  return commands.map((command) => {
    const method = /-X (\w+)/.exec(command)?.[1] ?? (command.includes(' -d ') ? 'POST' : 'GET');
    const path = /\$API(\/\S*)/.exec(command)![1].replace(/<(\w+)>/g, '0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10');
    const data = / -d '([^']*)'/.exec(command)?.[1];
    return { method, path, body: data === undefined ? undefined : JSON.parse(data) };
  });
}

test('every call of the README walk-through is a documented operation, with a body its schema accepts', () => {
  const calls = walkThroughCalls();
  expect(calls.length).toBeGreaterThanOrEqual(8);
  for (const { method, path, body } of calls) {
    const operation = operationOf(method, path);
    expect([method, path, operation ? 'documented' : 'missing']).toEqual([method, path, 'documented']);
    if (body === undefined) continue;
    const schema = operation!.requestBody?.content['application/json']?.schema;
    expect([method, path, schema ? 'has a body' : 'takes no body']).toEqual([method, path, 'has a body']);
    expect([method, path, checker.validate(`${method} ${path} request`, schema, body)]).toEqual([method, path, []]);
  }
});

test("the README's route table and the document list the same routes", () => {
  const table = [...readme.matchAll(/^\| `((?:GET|POST|PUT|PATCH|DELETE) \/[^`]*)`(?:, `((?:GET|POST|PUT|PATCH|DELETE) \/[^`]*)`)? \|/gm)].flatMap((m) => [m[1], m[2]].filter(Boolean));
  const documented = Object.entries(document.paths ?? {}).flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`));
  expect([...new Set(table)].sort()).toEqual(documented.sort());
});
