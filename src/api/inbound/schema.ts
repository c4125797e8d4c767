/** Request schemas of the inbound resource: registering a source of a provider's webhooks, and naming one. */
import { z } from 'zod';
import { INBOUND_PROVIDERS } from '../../db/inbound-sources';
import { eventNameSchema, idSchema, webhookUrlSchema } from '../common/schema';

/** An inbound source: a provider's webhooks to `POST /inbound/{sourceId}` become events of the org. */
export const putInboundBody = z.strictObject({
  provider: z.enum(INBOUND_PROVIDERS),
  secret: z.string().min(1).max(4096),
  orgId: idSchema,
  eventNamePrefix: eventNameSchema.pipe(z.string().max(64, 'at most 64 characters')),
  /** The URL the provider calls, when a proxy stands between it and this service (Twilio signs the URL). */
  url: webhookUrlSchema.optional(),
});
export const inboundParams = z.object({ sourceId: idSchema });
