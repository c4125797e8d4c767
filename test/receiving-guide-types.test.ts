// The Node.js receiver in docs/receiving.md type-checks as it stands.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { ROOT, typeErrorsOf } from './helpers/typecheck';

test("the guide's Node.js receiver type-checks", () => {
  const guide = readFileSync(join(ROOT, 'docs', 'receiving.md'), 'utf8');
  const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks.length).toBeGreaterThan(0);
  const errors = typeErrorsOf(blocks, {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    paths: { '*': [join(ROOT, 'node_modules', '*'), join(ROOT, 'node_modules', '@types', '*')] },
  });
  expect(errors).toEqual([]);
});
