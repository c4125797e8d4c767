/** Every source file opens with a comment that says what it is for, and the README's layout names every folder of src/. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : tsFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

test.each(['src', 'bench', 'scripts', 'test'])('every .ts file under %s/ opens with a comment', (folder) => {
  const files = tsFiles(path.join(root, folder));
  expect(files.length).toBeGreaterThan(0);
  const without = files
    .filter((file) => !/^(#![^\n]*\n)?(\/\*\*|\/\/)/.test(readFileSync(file, 'utf8')))
    .map((file) => path.relative(root, file));
  expect(without).toEqual([]);
});

test("the README's project layout names every folder of src/ and the docs name the layers", () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const layout = readme.slice(readme.indexOf('## Project layout'));
  const folders = readdirSync(path.join(root, 'src')).filter((name) => statSync(path.join(root, 'src', name)).isDirectory());
  expect(folders.filter((name) => !layout.includes(`src/${name}`))).toEqual([]);
  const architecture = readFileSync(path.join(root, 'docs', 'architecture.md'), 'utf8');
  expect(folders.filter((name) => !architecture.includes(`src/${name}`))).toEqual([]);
});
