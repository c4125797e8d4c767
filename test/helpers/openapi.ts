/** Checks real answers of the API against docs/openapi.json, so API tests fail when the API and its document drift apart. */
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { openApiDocument, type OpenApiDocument } from '../../src/api/openapi';
import type { ApiResponse, ApiStack } from './stack';

type Json = Record<string, unknown>;

/** The document's path template a concrete path falls under, e.g. `/webhooks/acme/configs/c1` → `/webhooks/{orgId}/configs/{configId}`. */
export function templateOf(document: OpenApiDocument, path: string): string | undefined {
  const bare = path.split('?')[0];
  const matches = Object.keys(document.paths ?? {}).filter((template) => {
    const pattern = new RegExp('^' + template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+') + '$');
    return pattern.test(bare);
  });
  // A literal segment beats a parameter: `/dead-letters/retry` is not `/deliveries/{deliveryId}`.
  return matches.sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0))[0];
}

/**
 * Checks real answers against the OpenAPI document with ajv (JSON Schema 2020-12, the dialect of OpenAPI
 * 3.1): the status must be documented for the operation, the content type must be the documented one, and
 * the body must satisfy its schema. An undocumented route may only answer the 404 problem.
 */
export function createResponseChecker(document: OpenApiDocument = openApiDocument()) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addFormat('date-time', { validate: (value: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) && !Number.isNaN(Date.parse(value)) });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('uri', { validate: (value: string) => URL.canParse(value) });
  const compiled = new Map<string, ValidateFunction>();
  let next = 0;

  /** A schema of the document, compiled with the document's components beside it so `#/components/…` resolves. */
  function validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({ $id: `urn:openapi:${next++}`, components: document.components, ...(schema as Json) });
      compiled.set(key, validate);
    }
    return validate;
  }

  /** Problems with one answer; empty when it matches the document. `headers` are checked when given. */
  function check(method: string, path: string, status: number, contentType: string | null, body: unknown, headers?: Headers): string[] {
    const template = templateOf(document, path);
    const operation = template ? ((document.paths?.[template] as Json | undefined)?.[method.toLowerCase()] as Json | undefined) : undefined;
    const where = `${method} ${path} → ${status}`;
    if (!operation) {
      if (status === 404) return checkBody(where, 'undocumented 404', { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }, contentType, body);
      return [`${where}: no operation ${method} ${template ?? path} in the document`];
    }
    const responses = operation.responses as Record<string, Json>;
    const response = responses[String(status)];
    if (!response) return [`${where}: status ${status} is not documented for ${method} ${template} (documented: ${Object.keys(responses).join(', ')})`];
    const missing = headers ? Object.keys((response.headers ?? {}) as Json).filter((name) => !headers.has(name)) : [];
    return [
      ...missing.map((name) => `${where}: documented header ${name} is missing`),
      ...checkBody(where, `${method} ${template} ${status}`, response.content as Record<string, Json> | undefined, contentType, body),
    ];
  }

  function checkBody(where: string, key: string, content: Record<string, Json> | undefined, contentType: string | null, body: unknown): string[] {
    if (!content) return body === null || body === undefined || body === '' ? [] : [`${where}: documented without a body, answered ${JSON.stringify(body).slice(0, 200)}`];
    const mediaType = (contentType ?? '').split(';')[0].trim();
    const media = content[mediaType];
    if (!media) return [`${where}: content type ${mediaType || '(none)'} is not documented (documented: ${Object.keys(content).join(', ')})`];
    if (!media.schema) return [];
    const validate = validatorFor(`${key} ${mediaType}`, media.schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((error) => `${where}: ${error.instancePath || '(body)'} ${error.message} ${JSON.stringify(error.params)}`);
  }

  return {
    check,
    /** Throws, naming every difference, when an answer does not match the document. */
    assert(method: string, path: string, response: ApiResponse<unknown>): void {
      const problems = check(method, path, response.status, response.headers.get('content-type'), response.body, response.headers);
      if (problems.length > 0) throw new Error(`answer differs from docs/openapi.json:\n  ${problems.join('\n  ')}\n  body: ${JSON.stringify(response.body).slice(0, 1000)}`);
    },
    /** Whether a value satisfies a schema of the document (used to check the document's own examples). */
    validate(key: string, schema: unknown, value: unknown): string[] {
      const validate = validatorFor(key, schema);
      return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '(value)'} ${error.message}`);
    },
  };
}

/**
 * The same stack whose `api` checks every answer against the document before the test sees it: an API test
 * wrapped this way fails when the API and its document drift apart.
 */
export function checkedAgainstDocument<T extends ApiStack>(stack: T): T {
  const checker = createResponseChecker();
  const api: ApiStack['api'] = async (method, path, body, headers) => {
    const response = await stack.api(method, path, body, headers);
    checker.assert(method, path, response);
    return response as never;
  };
  return Object.assign(Object.create(Object.getPrototypeOf(stack) as object) as T, stack, { api });
}
