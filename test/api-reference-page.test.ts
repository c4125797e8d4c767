/** The API reference page at GET /docs, served without a key, and the content security policy of it and of every other answer. */
import { createHash } from 'node:crypto';
import { useApi, useDatabase } from './helpers/fixtures';

const db = useDatabase('api-reference-page');
const stack = useApi(db);

const directives = (policy: string | null): Map<string, string[]> =>
  new Map(
    (policy ?? '')
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0])
      .map(([name, ...values]) => [name, values]),
  );

test('GET /docs serves the Scalar reference of /openapi.json without a key, under a policy that allows that page alone', async () => {
  const response = await fetch(`${stack.baseUrl}/docs`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const html = await response.text();
  expect(html).toContain('Scalar.createApiReference');
  expect(html).toContain('"url": "/openapi.json"');

  const policy = directives(response.headers.get('content-security-policy'));
  expect(policy.get('default-src')).toEqual(["'none'"]);
  const scriptSrc = policy.get('script-src') ?? [];
  // No inline script but the page's own, and nothing from anywhere but the CDN.
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc.filter((source) => !source.startsWith("'"))).toEqual(['https://cdn.jsdelivr.net']);
  // Scalar's bundle comes from its CDN, and the page's one inline script is allowed by its exact hash.
  const external = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => new URL(m[1]).origin);
  expect(external.length).toBeGreaterThan(0);
  for (const origin of external) expect(scriptSrc).toContain(origin);
  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]).digest('base64')}'`);
  expect(inline.length).toBeGreaterThan(0);
  for (const hash of inline) expect(scriptSrc).toContain(hash);
  expect(policy.get('connect-src')).toEqual(["'self'"]);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
});

test('every other answer keeps the API policy, which allows no outside script', async () => {
  const api = (await fetch(`${stack.baseUrl}/healthz`)).headers.get('content-security-policy');
  expect(directives(api).get('default-src')).toEqual(["'none'"]);
  expect(directives(api).get('script-src')).toEqual(["'self'"]);
  for (const path of ['/openapi.json', '/event-types', '/no-such-route', '/docs/other']) {
    const response = await fetch(`${stack.baseUrl}${path}`);
    expect([path, response.headers.get('content-security-policy')]).toEqual([path, api]);
  }
});
