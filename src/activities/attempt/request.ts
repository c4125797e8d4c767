/**
 * The request one attempt sends: body, headers and Standard Webhooks signature. Pure but for the
 * decryption of the secrets.
 */
import type { DeliveryContext } from '../../db/deliveries';
import type { SecretBox } from '../../core/secret-box';
import { sign } from '../../core/signing';

export interface DeliveryRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** Used when a config row has no timeout of its own. */
export const DEFAULT_TIMEOUT_MS = 15_000;

const RESERVED_HEADER = /^(host|content-length|content-type|webhook-.*)$/i;

/** The signing secrets in use: the current one, and the rotated-out one while its overlap lasts. */
export function signingSecrets(ctx: DeliveryContext & { secret: string }, box: SecretBox, now: number): string[] {
  const secrets = [box.decrypt(ctx.secret)];
  if (ctx.previous_secret && ctx.previous_secret_expires_at && ctx.previous_secret_expires_at.getTime() > now) {
    secrets.push(box.decrypt(ctx.previous_secret));
  }
  return secrets;
}

/** The body sent without a transform. `eventId` and `timestamp` let a receiver dedupe and order: deliveries are not ordered across events. */
export function standardBody(ctx: DeliveryContext): { type: string; eventId: string; timestamp: string; data: unknown; [field: string]: unknown } {
  return {
    type: ctx.event_name,
    eventId: ctx.event_id,
    timestamp: ctx.event_created_at.toISOString(),
    // An event put on the bus keeps its bus fields, in this order (jsonb keeps no order of its own).
    ...(ctx.envelope
      ? { source: ctx.envelope.source, detailType: ctx.envelope.detailType, bus: ctx.envelope.bus, time: ctx.envelope.time, resources: ctx.envelope.resources }
      : {}),
    data: ctx.data,
  };
}

/** The signed request; `body` is the config's transform of the event when it has one, signed as sent. */
export function buildRequest(
  ctx: DeliveryContext & { url: string },
  secrets: string[],
  userAgent: string,
  now: number,
  body: string = JSON.stringify(standardBody(ctx)),
): DeliveryRequest {
  const timestamp = Math.floor(now / 1000);
  const custom = Object.fromEntries(Object.entries(ctx.headers ?? {}).filter(([name]) => !RESERVED_HEADER.test(name)));
  return {
    url: ctx.url,
    body,
    timeoutMs: ctx.timeout_ms ?? DEFAULT_TIMEOUT_MS,
    headers: {
      'user-agent': userAgent,
      ...custom,
      'content-type': 'application/json',
      'webhook-id': ctx.delivery_id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': sign(secrets, ctx.delivery_id, timestamp, body),
    },
  };
}
