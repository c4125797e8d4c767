/** The outbound HTTP client of deliveries: undici, guarded against private destinations, redirects never followed. */
import { isIP } from 'node:net';
import { Agent, errors, request, type Dispatcher } from 'undici';
import type { DestinationGuard } from './destinations';
import { MAX_CONCURRENCY } from './limits';

export const RESPONSE_BODY_LIMIT = 4096;

export type ErrorClass = 'timeout' | 'dns' | 'connection_refused' | 'tls' | 'http_status' | 'network' | 'destination_blocked' | 'auth_token';

export interface PostResult {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most RESPONSE_BODY_LIMIT bytes (or the request's `bodyLimit`) of the response, as text. */
  body: string;
  /** The response was longer than the limit, and `body` is its beginning only. */
  truncated: boolean;
}

export class DeliveryNetworkError extends Error {
  override readonly name = 'DeliveryNetworkError';
  constructor(
    readonly errorClass: ErrorClass,
    message: string,
  ) {
    super(message);
  }
}

export interface SendRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  cancel?: AbortSignal;
  /** Most bytes of the response read; RESPONSE_BODY_LIMIT unless given. */
  bodyLimit?: number;
}

export interface HttpClient {
  /** `cancel` aborts the request (activity cancellation, worker shutdown); its reason is thrown as is. */
  post(url: string, headers: Record<string, string>, body: string, timeoutMs: number, cancel?: AbortSignal): Promise<PostResult>;
  /** Any request: the OAuth token request goes through the same guarded connections. */
  send(request: SendRequest): Promise<PostResult>;
  /** Aborts what is still in flight (a shared token request no attempt waits for any more) and closes the connections. */
  close(): Promise<void>;
}

/**
 * Outbound POSTs over one keep-alive undici Agent: connections to a destination are reused across
 * attempts. Redirects are never followed. With a guard, every connection is checked on the address
 * it actually connects to (the resolved one, so DNS rebinding cannot slip past a check made earlier).
 *
 * A request's timeout runs from the moment it is written to its connection: waiting for a free
 * connection or for the connection to open (which has its own 10 s limit) is not the receiver's
 * slowness. The pool keeps as many connections to one origin as a config may have attempts in flight,
 * so admitted attempts do not queue here.
 */
export function createHttpClient(options: { guard?: DestinationGuard; dispatcher?: Dispatcher } = {}): HttpClient {
  const { guard } = options;
  const dispatcher =
    options.dispatcher ??
    new Agent({ keepAliveTimeout: 10_000, connections: MAX_CONCURRENCY, connect: { timeout: 10_000, ...(guard ? { lookup: guard.lookup } : {}) } });
  const closing = new AbortController();
  const send: HttpClient['send'] = async ({ method, url, headers, body, timeoutMs, cancel, bodyLimit = RESPONSE_BODY_LIMIT }) => {
    // A literal address is connected to without a lookup, so it is judged here.
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (guard && isIP(host) && !guard.isAllowedAddress(host)) {
      throw new DeliveryNetworkError('destination_blocked', `${host} is a blocked address`);
    }
    const timeout = new AbortController();
    let clock: NodeJS.Timeout | undefined;
    const startClock = () => {
      clock ??= setTimeout(() => timeout.abort(new DeliveryNetworkError('timeout', `no response within ${timeoutMs} ms`)), timeoutMs);
    };
    try {
      const response = await request(url, {
        method,
        headers,
        body,
        signal: AbortSignal.any(cancel ? [timeout.signal, cancel, closing.signal] : [timeout.signal, closing.signal]),
        dispatcher: dispatcher.compose(onDispatch(startClock)),
      });
      return { statusCode: response.statusCode, headers: response.headers, ...(await readPrefix(response.body, bodyLimit)) };
    } catch (error) {
      if (cancel?.aborted) throw cancel.reason;
      throw classifyNetworkError(error, timeout.signal, timeoutMs);
    } finally {
      clearTimeout(clock);
    }
  };
  return {
    send,
    post: (url, headers, body, timeoutMs, cancel) => send({ method: 'POST', url, headers, body, timeoutMs, cancel }),
    async close() {
      closing.abort(new DeliveryNetworkError('network', 'the HTTP client was closed'));
      await dispatcher.close();
    },
  };
}

/** Calls `dispatched` when the request is written to its connection, after any wait for one. */
function onDispatch(dispatched: () => void): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (opts, handler) =>
    dispatch(opts, {
      onRequestStart(controller, context: unknown) {
        dispatched();
        handler.onRequestStart?.(controller, context);
      },
      onRequestUpgrade: (controller, statusCode, headers, socket) => handler.onRequestUpgrade?.(controller, statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) => handler.onResponseStart?.(controller, statusCode, headers, statusMessage),
      onResponseData: (controller, chunk) => handler.onResponseData?.(controller, chunk),
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(controller, trailers),
      onResponseError: (controller, error) => handler.onResponseError?.(controller, error),
    });
}

async function readPrefix(stream: AsyncIterable<Buffer> & { destroy(): void }, limit: number): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) break;
  }
  stream.destroy();
  return { body: Buffer.concat(chunks).subarray(0, limit).toString('utf8'), truncated: size > limit };
}

const TLS_CODE = /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_OSSL)/;

export function classifyNetworkError(error: unknown, signal: AbortSignal, timeoutMs: number): DeliveryNetworkError {
  if (signal.aborted || error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new DeliveryNetworkError('timeout', `no response within ${timeoutMs} ms`);
  }
  const cause = (error as { cause?: unknown })?.cause;
  const code = String((error as { code?: unknown })?.code ?? (cause as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof errors.ConnectTimeoutError) return new DeliveryNetworkError('timeout', 'connect timeout');
  if (code === 'EDESTINATIONBLOCKED') return new DeliveryNetworkError('destination_blocked', (cause as Error | undefined)?.message ?? message);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new DeliveryNetworkError('dns', `DNS lookup failed (${code})`);
  if (code === 'ECONNREFUSED') return new DeliveryNetworkError('connection_refused', 'connection refused');
  if (TLS_CODE.test(code)) return new DeliveryNetworkError('tls', `TLS error (${code})`);
  return new DeliveryNetworkError('network', code ? `${code}: ${message}` : message);
}
