/** The OpenAPI document and the Express routes list the same routes, and GET /openapi.json serves it without a key. */
import type { Express } from 'express';
import pino from 'pino';
import { composeApp } from '../src/compose';
import { openApiDocument } from '../src/api/openapi';
import { useApi, useDatabase } from './helpers/fixtures';

const db = useDatabase('openapi-routes');
const stack = useApi(db);

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` registered in the Express app, `:param` written as `{param}`. */
function expressRoutes(app: Express): string[] {
  const found = new Set<string>();
  const walk = (layers: Layer[]) => {
    for (const layer of layers) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') found.add(`${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
          }
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...found].sort();
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument().paths ?? {})
    .flatMap(([path, item]) => Object.keys(item as object).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

test('every route registered in Express is in the document, and every documented route exists', () => {
  const { app } = composeApp(stack.config, { pool: db.pool, temporal: stack.client, logger: pino({ level: 'silent' }) });
  const registered = expressRoutes(app);
  // `app.post('/events', requirePublish)` guards the route of the events router: the same route, registered twice.
  expect(registered.length).toBeGreaterThan(20);
  expect(registered).toEqual(documentedRoutes());
});

test('GET /openapi.json answers the document without a key', async () => {
  const response = await fetch(`${stack.baseUrl}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const document = (await response.json()) as ReturnType<typeof openApiDocument>;
  expect(document.openapi).toBe('3.1.0');
  expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
});

