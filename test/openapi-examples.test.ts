// Every example in the OpenAPI document satisfies its own schema, and every keyed operation documents its 401.
import { openApiDocument } from '../src/api/openapi';
import { createResponseChecker } from './helpers/openapi';

test('every parameter, request body and response has an example that satisfies its own schema', () => {
  const document = openApiDocument();
  const checker = createResponseChecker(document);
  const missing: string[] = [];
  const invalid: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item as Record<string, Record<string, unknown>>)) {
      const name = `${method.toUpperCase()} ${path}`;
      for (const parameter of (operation.parameters ?? []) as { name: string; schema: { example?: unknown } }[]) {
        if (parameter.schema.example === undefined) missing.push(`${name} parameter ${parameter.name}`);
        else invalid.push(...checker.validate(`${name} ${parameter.name}`, parameter.schema, parameter.schema.example).map((e) => `${name} parameter ${parameter.name}: ${e}`));
      }
      const bodies: [string, Record<string, { schema?: unknown; example?: unknown }>][] = [];
      const requestBody = operation.requestBody as { content: Record<string, { schema?: unknown; example?: unknown }> } | undefined;
      if (requestBody) bodies.push([`${name} request`, requestBody.content]);
      for (const [status, response] of Object.entries(operation.responses as Record<string, { content?: Record<string, { schema?: unknown; example?: unknown }> }>)) {
        if (response.content) bodies.push([`${name} ${status}`, response.content]);
      }
      for (const [where, content] of bodies) {
        for (const [mediaType, media] of Object.entries(content)) {
          if (media.example === undefined) missing.push(`${where} ${mediaType}`);
          else invalid.push(...checker.validate(`${where} ${mediaType}`, media.schema, media.example).map((e) => `${where} ${mediaType}: ${e}`));
        }
      }
      // An API key that is missing or wrong is a 401 problem; PutEvents answers SigV4 failures as EventBridge does.
      const needsKey = ((operation.security ?? []) as Record<string, unknown>[]).some((requirement) => 'apiKey' in requirement);
      if (needsKey && !(operation.responses as Record<string, unknown>)['401']) missing.push(`${name}: the 401 problem`);
    }
  }
  expect(missing).toEqual([]);
  expect(invalid).toEqual([]);
});
