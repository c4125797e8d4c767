/**
 * Verification of inbound webhooks with each provider's own library, over the raw body as received,
 * before anything is parsed: GitHub (X-Hub-Signature-256), Stripe (Stripe-Signature, 5 minutes of
 * tolerance), Twilio (X-Twilio-Signature over the URL and the form parameters) and Standard Webhooks.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import twilio from 'twilio';
import type { InboundProvider } from '../db/inbound-sources';
import { githubWebhookMethods } from './github-methods';

/** Stripe's own default: a signature older than this is a replay. */
export const STRIPE_TOLERANCE_SECONDS = 300;

export interface InboundRequest {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** The full URL the provider called (Twilio signs it). */
  url: string;
}

/** What a verified request publishes: the provider's event name, its payload, and its delivery id for dedupe. */
export interface VerifiedInbound {
  providerEvent: string;
  data: Record<string, unknown>;
  providerDeliveryId: string | null;
}

/** A request whose signature does not verify against any live secret of its source. */
export class InboundVerificationError extends Error {
  override readonly name = 'InboundVerificationError';
}

/** A verified request whose payload cannot become an event. */
export class InboundPayloadError extends Error {
  override readonly name = 'InboundPayloadError';
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function parseJsonObject(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InboundPayloadError('the verified body is not JSON');
  }
  if (!isObject(parsed)) throw new InboundPayloadError('the verified body is not a JSON object');
  return parsed;
}

const isForm = (headers: IncomingHttpHeaders): boolean => /^application\/x-www-form-urlencoded\b/i.test(header(headers, 'content-type') ?? '');

/** Form parameters; a repeated name gives an array, as Twilio signs them. */
function formParams(body: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(body)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

async function verifyGithub(request: InboundRequest, secrets: string[]): Promise<VerifiedInbound> {
  const signature = header(request.headers, 'x-hub-signature-256');
  if (!signature) throw new InboundVerificationError('missing X-Hub-Signature-256');
  const body = request.rawBody.toString('utf8');
  const { verifyWithFallback } = await githubWebhookMethods();
  if (!(await verifyWithFallback(secrets[0], body, signature, secrets.slice(1)))) throw new InboundVerificationError('X-Hub-Signature-256 does not match');
  // GitHub sends JSON, or the same JSON as the `payload` form field.
  const json = isForm(request.headers) ? (new URLSearchParams(body).get('payload') ?? '') : body;
  return {
    providerEvent: header(request.headers, 'x-github-event') ?? 'webhook',
    data: parseJsonObject(json),
    providerDeliveryId: header(request.headers, 'x-github-delivery') ?? null,
  };
}

function verifyStripe(request: InboundRequest, secrets: string[]): VerifiedInbound {
  const signature = header(request.headers, 'stripe-signature');
  if (!signature) throw new InboundVerificationError('missing Stripe-Signature');
  let reason = 'Stripe-Signature does not match';
  for (const secret of secrets) {
    try {
      const event = Stripe.webhooks.constructEvent(request.rawBody, signature, secret, STRIPE_TOLERANCE_SECONDS);
      return { providerEvent: event.type, data: event as unknown as Record<string, unknown>, providerDeliveryId: event.id };
    } catch (error) {
      reason = error instanceof Error ? error.message : reason;
    }
  }
  throw new InboundVerificationError(reason);
}

/** Twilio posts no event name: the status callbacks carry the status of a message or a call. */
function twilioEvent(params: Record<string, unknown>): string {
  const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
  const eventType = text(params.EventType);
  if (eventType) return eventType;
  const messageStatus = text(params.MessageStatus) ?? text(params.SmsStatus);
  if (messageStatus) return `message.${messageStatus}`;
  const callStatus = text(params.CallStatus);
  if (callStatus) return `call.${callStatus}`;
  return 'request';
}

function verifyTwilio(request: InboundRequest, secrets: string[]): VerifiedInbound {
  const signature = header(request.headers, 'x-twilio-signature');
  if (!signature) throw new InboundVerificationError('missing X-Twilio-Signature');
  const body = request.rawBody.toString('utf8');
  if (isForm(request.headers)) {
    const params = formParams(body);
    if (!secrets.some((token) => twilio.validateRequest(token, signature, request.url, params))) {
      throw new InboundVerificationError('X-Twilio-Signature does not match');
    }
    return { providerEvent: twilioEvent(params), data: params, providerDeliveryId: header(request.headers, 'i-twilio-idempotency-token') ?? null };
  }
  // JSON bodies are signed through the bodySHA256 query parameter of the URL.
  if (!secrets.some((token) => twilio.validateRequestWithBody(token, signature, request.url, body))) {
    throw new InboundVerificationError('X-Twilio-Signature does not match');
  }
  const data = parseJsonObject(body);
  return { providerEvent: twilioEvent(data), data, providerDeliveryId: header(request.headers, 'i-twilio-idempotency-token') ?? null };
}

function verifyStandard(request: InboundRequest, secrets: string[]): VerifiedInbound {
  const headers = {
    'webhook-id': header(request.headers, 'webhook-id') ?? '',
    'webhook-timestamp': header(request.headers, 'webhook-timestamp') ?? '',
    'webhook-signature': header(request.headers, 'webhook-signature') ?? '',
  };
  let reason = 'webhook-signature does not match';
  for (const secret of secrets) {
    try {
      const payload = new Webhook(secret).verify(request.rawBody.toString('utf8'), headers);
      if (!isObject(payload)) throw new InboundPayloadError('the verified body is not a JSON object');
      return { providerEvent: typeof payload.type === 'string' ? payload.type : 'webhook', data: payload, providerDeliveryId: headers['webhook-id'] };
    } catch (error) {
      if (error instanceof InboundPayloadError) throw error;
      reason = error instanceof Error ? error.message : reason;
    }
  }
  throw new InboundVerificationError(reason);
}

/** Verifies one request against the source's live secrets (the current one first), or throws InboundVerificationError. */
export async function verifyInbound(provider: InboundProvider, request: InboundRequest, secrets: string[]): Promise<VerifiedInbound> {
  switch (provider) {
    case 'github':
      return verifyGithub(request, secrets);
    case 'stripe':
      return verifyStripe(request, secrets);
    case 'twilio':
      return verifyTwilio(request, secrets);
    case 'standard':
      return verifyStandard(request, secrets);
  }
}

/** A secret each provider's library can use: Standard Webhooks needs base64 (with or without `whsec_`). */
export function inboundSecretProblem(provider: InboundProvider, secret: string): string | undefined {
  if (provider === 'standard') {
    try {
      new Webhook(secret);
    } catch {
      return 'expected "whsec_" followed by base64, as Standard Webhooks secrets are';
    }
  }
  if (provider === 'stripe' && !secret.startsWith('whsec_')) return 'expected the endpoint\'s signing secret, "whsec_…"';
  return undefined;
}

/** `{prefix}.{provider event}`, in the characters event names allow. */
export function inboundEventName(prefix: string, providerEvent: string): string {
  const suffix = providerEvent.toLowerCase().replace(/[^a-z0-9_.-]+/g, '_').replace(/^[._-]+|[._-]+$/g, '') || 'webhook';
  return `${prefix}.${suffix}`.slice(0, 128);
}
