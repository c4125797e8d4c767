/** Routes of the inbound resource: receive a provider's signed webhooks, and register the sources they come from. */
import express, { type Request, Router } from 'express';
import type { Config } from '../../config';
import type { InboundService } from '../../delivery/inbound';
import { parseInput } from '../common/schema';
import { NotFoundError } from '../errors';
import { inboundParams, putInboundBody } from './schema';
import { inboundSourceView } from './view';
import { type Pool } from '../../db/pool';
import { deleteInboundSource, getInboundSource } from '../../db/inbound-sources';

/** The URL as the provider called it: the source's own when set, else as this service received it. */
const calledUrl = (req: Request, publicUrl: string | null): string => {
  if (!publicUrl) return `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
  const query = req.originalUrl.indexOf('?');
  return query === -1 || publicUrl.includes('?') ? publicUrl : publicUrl + req.originalUrl.slice(query);
};

/**
 * `POST /inbound/{sourceId}`, mounted before API-key authentication: the provider's signature is the
 * credential. The raw body is verified as received, before any parsing; a request that does not verify
 * gets 401 and publishes nothing. A verified one becomes the event `{eventNamePrefix}.{provider event}`.
 */
export function inboundReceiveRouter(deps: { inbound: InboundService; config: Pick<Config, 'MAX_PAYLOAD_BYTES'> }): Router {
  const router = Router();

  router.post('/inbound/:sourceId', express.raw({ type: () => true, limit: deps.config.MAX_PAYLOAD_BYTES }), async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const received = await deps.inbound.receive(sourceId, { rawBody, headers: req.headers, calledUrl: (publicUrl) => calledUrl(req, publicUrl) });
    res.status(202).json(received);
  });

  return router;
}

/** Registration of inbound sources (admin): `PUT`, `GET` and `DELETE /inbound/{sourceId}`. */
export function inboundSourcesRouter(deps: { pool: Pool; inbound: InboundService }): Router {
  const router = Router();

  router.put('/inbound/:sourceId', async (req, res) => {
    const { sourceId } = parseInput(inboundParams, req.params, 'path');
    const body = parseInput(putInboundBody, req.body);
    const { created, source } = await deps.inbound.put(sourceId, body);
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
