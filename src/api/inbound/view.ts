/** Response views of the inbound resource: an inbound source without its secrets. */
import { z } from 'zod';
import { INBOUND_PROVIDERS, type InboundSourceRow } from '../../db/inbound-sources';
import { iso, nullableTimestamp, timestamp } from '../common/view';

export const inboundSourceSchema = z.strictObject({
  sourceId: z.string().meta({ example: 'gh-acme' }),
  provider: z.enum(INBOUND_PROVIDERS).meta({ example: 'github' }),
  orgId: z.string().meta({ example: 'acme' }),
  eventNamePrefix: z.string().meta({ description: 'Events are published as `{eventNamePrefix}.{provider event}`', example: 'github' }),
  url: z.string().nullable().meta({ description: 'The URL the provider calls, when a proxy stands in between; null when it is this service\'s own', example: null }),
  receivePath: z.string().meta({ description: 'Where the provider sends its webhooks: `POST {receivePath}`', example: '/inbound/gh-acme' }),
  previousSecretExpiresAt: nullableTimestamp.meta({ description: 'Until when the rotated-out secret still verifies; null when none does', example: null }),
  createdAt: timestamp,
  updatedAt: timestamp,
}).meta({ id: 'InboundSource', description: 'An inbound source, without its secrets' });
export type InboundSourceView = z.infer<typeof inboundSourceSchema>;

/** An inbound source without its secrets. */
export function inboundSourceView(row: InboundSourceRow): InboundSourceView {
  const previousLive = row.previous_secret_expires_at !== null && row.previous_secret_expires_at > new Date();
  return {
    sourceId: row.source_id,
    provider: row.provider,
    orgId: row.org_id,
    eventNamePrefix: row.event_name_prefix,
    url: row.public_url,
    receivePath: `/inbound/${encodeURIComponent(row.source_id)}`,
    previousSecretExpiresAt: previousLive ? iso(row.previous_secret_expires_at) : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
