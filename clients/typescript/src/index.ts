import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

/**
 * A typed client of the temporal-webhooks REST API: openapi-fetch over the types openapi-typescript generates
 * from docs/openapi.json (`npm run client:types` writes src/schema.d.ts). Every path, parameter, body and
 * answer is checked by the compiler; nothing here is written by hand but the key and the error type.
 */
export type { components, operations, paths };
export type Schemas = components['schemas'];
export type EventType = Schemas['EventType'];
export type WebhookConfig = Schemas['Config'];
export type Delivery = Schemas['Delivery'];
export type DeliverySummary = Schemas['DeliverySummary'];
export type Attempt = Schemas['Attempt'];
export type DeadLetter = Schemas['DeadLetter'];
export type ApiKey = Schemas['ApiKey'];
export type CreatedApiKey = Schemas['CreatedApiKey'];
export type WebhookEvent = Schemas['Event'];
export type PublishResponse = Schemas['PublishResponse'];
export type TestSend = Schemas['TestSend'];
export type InboundSource = Schemas['InboundSource'];
export type Problem = Schemas['Problem'];

export type WebhooksClient = Client<paths>;

export interface WebhooksClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the API listens, e.g. `http://localhost:3000`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>`; omit it for the health probes and the document. */
  apiKey?: string;
}

export function createWebhooksClient({ baseUrl, apiKey, headers, ...options }: WebhooksClientOptions): WebhooksClient {
  const merged = new Headers(headers as ConstructorParameters<typeof Headers>[0]);
  if (apiKey) merged.set('authorization', `Bearer ${apiKey}`);
  return createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, ''), headers: merged });
}

/** An answer of 4xx or 5xx, with its RFC 9457 problem. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
}

/** The data of a successful call, or a `ProblemError` carrying the problem the API answered. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw new ProblemError(response.status, (error ?? {}) as Partial<Problem>);
  return data as T;
}
