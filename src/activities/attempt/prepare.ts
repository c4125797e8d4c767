/** The request an attempt sends: its secrets and receiver auth decrypted, its body shaped by the config's transform, then signed. */
import { openReceiverAuth, type ReceiverAuth } from '../../core/receiver-auth';
import type { SecretBox } from '../../core/secret-box';
import type { DeliveryContext } from '../../db/deliveries';
import { type createTransformCache, TransformEvaluationError } from '../../delivery/transform';
import { type AttemptFacts, transformFailure } from './failures';
import { buildRequest, type DeliveryRequest, signingSecrets, standardBody } from './request';

/** A delivery ready to be attempted: its config still has a URL and a secret. */
export type ReadyContext = DeliveryContext & { url: string; secret: string };

export interface PreparedRequest {
  request: DeliveryRequest;
  auth: ReceiverAuth | null;
}

/**
 * Decrypts before a slot is taken, so a value under a key this worker lacks fails here, holding nothing.
 * A transform that fails sends nothing: it throws the attempt's non-retryable transform failure.
 */
export async function prepareRequest(
  deps: { box: SecretBox; userAgent: string; transforms: ReturnType<typeof createTransformCache> },
  ctx: ReadyContext,
  facts: AttemptFacts,
): Promise<PreparedRequest> {
  const secrets = signingSecrets(ctx, deps.box, Date.now());
  const auth = openReceiverAuth(deps.box, ctx.auth);
  // The config's payload template shapes the body before it is signed.
  let body: string | undefined;
  if (ctx.transform !== null) {
    try {
      body = await deps.transforms.apply(ctx.transform, { ...standardBody(ctx), orgId: ctx.org_id });
    } catch (error) {
      if (error instanceof TransformEvaluationError) throw transformFailure(error.message, facts);
      throw error;
    }
  }
  return { request: buildRequest(ctx, secrets, deps.userAgent, Date.now(), body), auth };
}
