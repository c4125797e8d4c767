/** Inbound sources: a provider's signed webhook verified and published as an event, and a source registered with its secret rotated. */
import type { IncomingHttpHeaders } from 'node:http';
import { InvalidFieldError, MalformedPayloadError, ResourceNotFoundError, SignatureVerificationError } from '../core/errors';
import { inboundEventName, InboundPayloadError, inboundSecretProblem, InboundVerificationError, verifyInbound } from '../inbound/verify';
import type { SecretBox } from '../core/secret-box';
import type { PublishResponse, Publisher } from './publisher';
import { getInboundSource, getInboundSourceForUpdate, type InboundProvider, type InboundSourceRow, putInboundSource } from '../db/inbound-sources';
import { type Pool, withTransaction } from '../db/pool';

/** An inbound source as a request registers it. */
export interface InboundSourceInput {
  provider: InboundProvider;
  secret: string;
  orgId: string;
  eventNamePrefix: string;
  url?: string;
}

/** A provider's request as received: its raw body, its headers, and the URL it called given the source's own public URL. */
export interface ReceivedInbound {
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  calledUrl: (publicUrl: string | null) => string;
}

/** The current secret, and the rotated-out one while its overlap lasts. */
function liveSecrets(box: SecretBox, row: InboundSourceRow, now: number): string[] {
  const secrets = [box.decrypt(row.secret)];
  if (row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now) secrets.push(box.decrypt(row.previous_secret));
  return secrets;
}

export function createInboundService(deps: { pool: Pool; publisher: Publisher; box: SecretBox; secretRotationOverlapMs: number }) {
  const { box } = deps;

  /**
   * Verifies a request to `POST /inbound/{sourceId}` over its raw body; one that does not verify publishes
   * nothing. A verified one becomes the event `{eventNamePrefix}.{provider event}`.
   */
  async function receive(sourceId: string, request: ReceivedInbound): Promise<{ eventName: string } & PublishResponse> {
    const source = await getInboundSource(deps.pool, sourceId);
    if (!source) throw new ResourceNotFoundError(`inbound source ${sourceId}`);
    let verified;
    try {
      verified = await verifyInbound(
        source.provider,
        { rawBody: request.rawBody, headers: request.headers, url: request.calledUrl(source.public_url) },
        liveSecrets(box, source, Date.now()),
      );
    } catch (error) {
      if (error instanceof InboundVerificationError) throw new SignatureVerificationError(`${source.provider} signature: ${error.message}`);
      if (error instanceof InboundPayloadError) throw new MalformedPayloadError(error.message, '(body)');
      throw error;
    }
    const eventName = inboundEventName(source.event_name_prefix, verified.providerEvent);
    const published = await deps.publisher.publish({
      orgId: source.org_id,
      eventName,
      data: verified.data,
      // Providers redeliver: their own delivery id keeps a redelivery from publishing twice.
      idempotencyKey: verified.providerDeliveryId ? `inbound:${sourceId}:${verified.providerDeliveryId}`.slice(0, 255) : undefined,
    });
    return { eventName, ...published };
  }

  /** Creates or replaces a source; a new secret rotates, and the one it replaces keeps verifying for SECRET_ROTATION_OVERLAP. */
  async function put(sourceId: string, input: InboundSourceInput): Promise<{ created: boolean; source: InboundSourceRow }> {
    const problem = inboundSecretProblem(input.provider, input.secret);
    if (problem) throw new InvalidFieldError('secret', problem);
    return withTransaction(deps.pool, async (client) => {
      const current = await getInboundSourceForUpdate(client, sourceId);
      const rotated = current && box.decrypt(current.secret) !== input.secret ? current.secret : null;
      return putInboundSource(client, 
        sourceId,
        { provider: input.provider, orgId: input.orgId, eventNamePrefix: input.eventNamePrefix, publicUrl: input.url ?? null },
        box.encrypt(input.secret),
        rotated,
        deps.secretRotationOverlapMs,
      );
    });
  }

  return { receive, put };
}

export type InboundService = ReturnType<typeof createInboundService>;
