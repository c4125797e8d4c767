// Every example of the TypeScript client in the READMEs type-checks against the client's source.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, typeErrorsOf } from './helpers/typecheck';

const CLIENT = join(ROOT, 'clients', 'typescript', 'src', 'index.ts');

/** The ```ts blocks of a markdown file that use the client. */
function clientExamples(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("from '@temporal-webhooks/client'"));
}

test('every example of the client in README.md and clients/typescript/README.md type-checks', () => {
  const examples = [...clientExamples('README.md'), ...clientExamples('clients/typescript/README.md')];
  expect(examples.length).toBeGreaterThanOrEqual(4);
  const errors = typeErrorsOf(examples, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts'],
    paths: { '@temporal-webhooks/client': [CLIENT] },
  });
  expect(errors).toEqual([]);
});
