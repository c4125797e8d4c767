import { createHash } from 'node:crypto';
import { MAX_TIMEOUT_MS, type ReceiverAuth } from '../api/configs/schema';
import type { SecretBox } from '../secrets/encryption';
import { DeliveryNetworkError, type HttpClient, type PostResult } from './http';
import { createJwtSigner } from './jwt-auth';

/** Decrypted receiver auth of a config row. */
export function openReceiverAuth(box: SecretBox, stored: string | null): ReceiverAuth | null {
  return stored === null ? null : (JSON.parse(box.decrypt(stored)) as ReceiverAuth);
}

/** A token is dropped this long before the expiry its endpoint announced. */
const EXPIRY_MARGIN_MS = 30_000;
/** Lifetime assumed when the token endpoint gives none. */
const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60_000;
/** Largest token response read: JWTs with many claims outgrow the 4 KiB kept of delivery responses. */
export const TOKEN_RESPONSE_LIMIT = 64 * 1024;
/**
 * A token request is shared by every attempt that needs the token meanwhile, so no attempt's deadline or
 * cancellation governs it: it has this limit of its own, the longest budget any attempt can have.
 */
const TOKEN_REQUEST_TIMEOUT_MS = MAX_TIMEOUT_MS;

interface CachedToken {
  token: Promise<string>;
  expiresAt: number;
}

export interface AuthorizedPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** Budget of the whole attempt: waiting for a token and every request sent count against it. */
  timeoutMs: number;
  cancel?: AbortSignal;
  auth: ReceiverAuth | null;
  /** Claims of a JWT: `jti` the webhook-id, `sub` the org. */
  claims?: { jti: string; sub: string };
}

/** The attempt's deadline: what is left of it bounds each wait and each request. */
interface Budget {
  timeoutMs: number;
  deadline: number;
  cancel?: AbortSignal;
}

/** What is left of the attempt's budget; none left fails the attempt as a timeout, before anything is sent. */
function timeLeft(budget: Budget): number {
  const left = budget.deadline - Date.now();
  if (left <= 0) throw new DeliveryNetworkError('timeout', `no response within the attempt's ${budget.timeoutMs} ms`);
  return left;
}

/**
 * Waits for a shared token until the attempt's deadline or cancellation, whichever comes first. Giving up
 * leaves the shared request running for the others.
 */
function tokenWithin(token: Promise<string>, budget: Budget): Promise<string> {
  const { cancel } = budget;
  if (cancel?.aborted) return Promise.reject(cancel.reason);
  return new Promise((resolve, reject) => {
    const settle = (finish: () => void) => {
      clearTimeout(timer);
      cancel?.removeEventListener('abort', onAbort);
      finish();
    };
    const onAbort = () => settle(() => reject(cancel?.reason));
    const timer = setTimeout(
      () => settle(() => reject(new DeliveryNetworkError('auth_token', `OAuth token request failed: no token within the attempt's ${budget.timeoutMs} ms`))),
      Math.max(budget.deadline - Date.now(), 0),
    );
    cancel?.addEventListener('abort', onAbort, { once: true });
    token.then(
      (value) => settle(() => resolve(value)),
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/**
 * Sends deliveries with the receiver's credentials (EventBridge "connections"): basic, bearer, an API key
 * header, a JWT signed for each request, or an OAuth 2.0 client-credentials token. Tokens are cached per worker until they expire; a 401
 * with a cached token drops it, fetches a new one and sends once more. The config's timeout is the budget
 * of the whole attempt, token included: a request started late gets only what is left of it.
 */
export function createReceiverAuth(deps: { http: HttpClient; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const tokens = new Map<string, CachedToken>();
  const jwt = createJwtSigner({ now });

  function cacheKey(auth: Extract<ReceiverAuth, { type: 'oauth2' }>): string {
    // Hashed, so the map's keys hold no credential in the clear.
    return createHash('sha256').update(JSON.stringify([auth.tokenUrl, auth.clientId, auth.clientSecret, auth.scope ?? ''])).digest('hex');
  }

  async function fetchToken(auth: Extract<ReceiverAuth, { type: 'oauth2' }>): Promise<{ token: string; lifetimeMs: number }> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (auth.scope) form.set('scope', auth.scope);
    // client_secret_basic (RFC 6749 §2.3.1): the form-encoded id and secret as HTTP basic credentials.
    const basic = Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`).toString('base64');
    let response: PostResult;
    try {
      response = await deps.http.send({
        method: 'POST',
        url: auth.tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
        body: form.toString(),
        timeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
        bodyLimit: TOKEN_RESPONSE_LIMIT,
      });
    } catch (error) {
      if (error instanceof DeliveryNetworkError) {
        const errorClass = error.errorClass === 'destination_blocked' ? 'destination_blocked' : 'auth_token';
        throw new DeliveryNetworkError(errorClass, `OAuth token request failed: ${error.message}`);
      }
      throw error;
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new DeliveryNetworkError('auth_token', `OAuth token endpoint answered HTTP ${response.statusCode}`);
    }
    if (response.truncated) {
      throw new DeliveryNetworkError('auth_token', `OAuth token endpoint answered more than ${TOKEN_RESPONSE_LIMIT / 1024} KiB`);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown; token_type?: unknown };
    try {
      parsed = JSON.parse(response.body) as typeof parsed;
    } catch {
      throw new DeliveryNetworkError('auth_token', 'OAuth token endpoint answered something other than JSON');
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '' || /[\r\n]/.test(parsed.access_token)) {
      throw new DeliveryNetworkError('auth_token', 'OAuth token endpoint answered without a usable access_token');
    }
    if (typeof parsed.token_type === 'string' && parsed.token_type.toLowerCase() !== 'bearer') {
      throw new DeliveryNetworkError('auth_token', `OAuth token type "${parsed.token_type.slice(0, 32)}" is not supported (only bearer)`);
    }
    const seconds = Number(parsed.expires_in);
    return { token: parsed.access_token, lifetimeMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TOKEN_LIFETIME_MS };
  }

  /** A cached token, or one fetched now; concurrent attempts share a single fetch, which none of them can cancel. */
  function oauthToken(auth: Extract<ReceiverAuth, { type: 'oauth2' }>): { token: Promise<string>; cached: boolean } {
    const key = cacheKey(auth);
    const hit = tokens.get(key);
    if (hit && hit.expiresAt > now()) return { token: hit.token, cached: true };
    const entry: CachedToken = { expiresAt: Number.POSITIVE_INFINITY, token: Promise.resolve('') };
    entry.token = fetchToken(auth).then(
      ({ token, lifetimeMs }) => {
        entry.expiresAt = now() + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2);
        return token;
      },
      (error: unknown) => {
        if (tokens.get(key) === entry) tokens.delete(key);
        throw error;
      },
    );
    // All the attempts that waited for it may have given up by the time it fails: not an unhandled rejection.
    entry.token.catch(() => undefined);
    tokens.set(key, entry);
    return { token: entry.token, cached: false };
  }

  function forget(auth: Extract<ReceiverAuth, { type: 'oauth2' }>): void {
    tokens.delete(cacheKey(auth));
  }

  /** The header carrying the credential; `cached` tells whether an OAuth token was reused rather than fetched. */
  async function credentialHeader(
    auth: ReceiverAuth | null,
    budget: Budget,
    claims: AuthorizedPost['claims'],
  ): Promise<{ name: string; value: string; cached: boolean } | null> {
    if (!auth) return null;
    switch (auth.type) {
      case 'basic':
        return { name: 'authorization', value: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`, cached: false };
      case 'bearer':
        return { name: 'authorization', value: `Bearer ${auth.token}`, cached: false };
      case 'apiKey':
        return { name: auth.header.toLowerCase(), value: auth.value, cached: false };
      case 'oauth2': {
        const { token, cached } = oauthToken(auth);
        return { name: 'authorization', value: `Bearer ${await tokenWithin(token, budget)}`, cached };
      }
      case 'jwt': {
        if (!claims) throw new Error('a JWT needs the claims of its request');
        return { name: 'authorization', value: `Bearer ${await jwt.sign(auth, claims)}`, cached: false };
      }
    }
  }

  function withHeader(headers: Record<string, string>, extra: { name: string; value: string } | null): Record<string, string> {
    if (!extra) return headers;
    // The credential wins over a custom header of the same name, whatever its case.
    const kept = Object.entries(headers).filter(([name]) => name.toLowerCase() !== extra.name);
    return { ...Object.fromEntries(kept), [extra.name]: extra.value };
  }

  return {
    async post(request: AuthorizedPost): Promise<PostResult> {
      const { auth, url, body, timeoutMs, cancel } = request;
      const budget: Budget = { timeoutMs, deadline: Date.now() + timeoutMs, cancel };
      const send = async () => {
        const credential = await credentialHeader(auth, budget, request.claims);
        const result = await deps.http.post(url, withHeader(request.headers, credential), body, timeLeft(budget), cancel);
        return { result, cached: credential?.cached ?? false };
      };
      const first = await send();
      if (first.result.statusCode !== 401 || auth?.type !== 'oauth2') return first.result;
      // The receiver may have revoked or rotated the token before its announced expiry: one new token, one more try.
      forget(auth);
      return first.cached ? (await send()).result : first.result;
    },
  };
}
