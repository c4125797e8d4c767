/** The user agent the service sends carries the package version. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { USER_AGENT, VERSION } from '../src/version';

test('the user agent carries the package version', () => {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  expect(VERSION).toBe(pkg.version);
  expect(USER_AGENT).toBe(`temporal-webhooks/${pkg.version}`);
});
