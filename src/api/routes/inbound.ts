import express, { type Request, Router } from 'express';
import type { Config } from '../../config';
import { deleteInboundSource, getInboundSource, getInboundSourceForUpdate, type InboundSourceRow, putInboundSource } from '../../db/inbound-sources';
import { type Pool, withTransaction } from '../../db/pool';
import type { Publisher } from '../../delivery/publisher';
import { inboundEventName, InboundPayloadError, inboundSecretProblem, InboundVerificationError, verifyInbound } from '../../inbound/verify';
import { type SecretBox, secretBoxFor } from '../../secrets/encryption';
import { BadRequestError, NotFoundError, SignatureVerificationError, ValidationError } from '../errors';
import { inboundParams, parseInput, putInboundBody } from '../validation';
import { inboundSourceView } from '../views';

type InboundConfig = Pick<Config, 'SECRET_ROTATION_OVERLAP' | 'MAX_PAYLOAD_BYTES' | 'ENCRYPTION_KEY' | 'ENCRYPTION_PREVIOUS_KEYS'>;

/** The current secret, and the rotated-out one while its overlap lasts. */
function liveSecrets(box: SecretBox, row: InboundSourceRow, now: number): string[] {
  const secrets = [box.decrypt(row.secret)];
  if (row.previous_secret && row.previous_secret_expires_at && row.previous_secret_expires_at.getTime() > now) secrets.push(box.decrypt(row.previous_secret));
  return secrets;
}

/** The URL as the provider called it: the source's own when set, else as this service received it. */
const calledUrl = (req: Request, source: InboundSourceRow): string => {
  if (!source.public_url) return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
  const query = req.originalUrl.indexOf('?');
  return query === -1 || source.public_url.includes('?') ? source.public_url : source.public_url + req.originalUrl.slice(query);
};

/**
 * `POST /inbound/{sourceId}`, mounted before API-key authentication: the provider's signature is the
 * credential. The raw body is verified as received, before any parsing; a request that does not verify
 * gets 401 and publishes nothing. A verified one becomes the event `{eventNamePrefix}.{provider event}`.
 */
export function inboundReceiveRouter(deps: { pool: Pool; publisher: Publisher; config: InboundConfig }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);

  router.post('/inbound/:sourceId', express.raw({ type: () => true, limit: deps.config.MAX_PAYLOAD_BYTES }), async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    const source = await getInboundSource(deps.pool, sourceId);
    if (!source) throw new NotFoundError(`inbound source ${sourceId}`);
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let verified;
    try {
      verified = await verifyInbound(source.provider, { rawBody, headers: req.headers, url: calledUrl(req, source) }, liveSecrets(box, source, Date.now()));
    } catch (error) {
      if (error instanceof InboundVerificationError) throw new SignatureVerificationError(`${source.provider} signature: ${error.message}`);
      if (error instanceof InboundPayloadError) throw new BadRequestError(error.message, '(body)');
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
    res.status(202).json({ eventName, ...published });
  });

  return router;
}

/** Registration of inbound sources (admin): `PUT`, `GET` and `DELETE /inbound/{sourceId}`. */
export function inboundSourcesRouter(deps: { pool: Pool; config: InboundConfig }): Router {
  const router = Router();
  const box = secretBoxFor(deps.config);

  router.put('/inbound/:sourceId', async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    const body = parseInput(putInboundBody, req.body);
    const problem = inboundSecretProblem(body.provider, body.secret);
    if (problem) throw new ValidationError([{ field: 'secret', message: problem }]);
    const { created, source } = await withTransaction(deps.pool, async (client) => {
      const current = await getInboundSourceForUpdate(client, sourceId);
      // A new secret rotates: the one it replaces keeps verifying for SECRET_ROTATION_OVERLAP.
      const rotated = current && box.decrypt(current.secret) !== body.secret ? current.secret : null;
      return putInboundSource(client, 
        sourceId,
        { provider: body.provider, orgId: body.orgId, eventNamePrefix: body.eventNamePrefix, publicUrl: body.url ?? null },
        box.encrypt(body.secret),
        rotated,
        deps.config.SECRET_ROTATION_OVERLAP,
      );
    });
    res.status(created ? 201 : 200).json(inboundSourceView(source));
  });

  router.get('/inbound/:sourceId', async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    const source = await getInboundSource(deps.pool, sourceId);
    if (!source) throw new NotFoundError(`inbound source ${sourceId}`);
    res.json(inboundSourceView(source));
  });

  router.delete('/inbound/:sourceId', async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    if (!(await deleteInboundSource(deps.pool, sourceId))) throw new NotFoundError(`inbound source ${sourceId}`);
    res.status(204).end();
  });

  return router;
}
