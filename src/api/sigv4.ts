/**
 * Verification of AWS Signature Version 4, as the AWS SDKs sign requests. The signature is recomputed
 * with `@smithy/signature-v4`, the signer the SDKs themselves use, over exactly the headers the client
 * named as signed: canonicalisation, key derivation and encoding are AWS's code, not ours.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, timingSafeEqual } from 'node:crypto';

/** How far the signing date may be from the service's clock, either way (AWS's own tolerance). */
export const SIGV4_MAX_SKEW_MS = 5 * 60_000;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9]{1,128})\/(\d{8})\/([a-z0-9-]{1,64})\/([a-z0-9-]{1,64})\/aws4_request, ?SignedHeaders=([a-z0-9;._-]{1,2048}), ?Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/;

/** Why a request was refused, with the error code and message AWS answers in that case. */
export class SigV4Error extends Error {
  override readonly name = 'SigV4Error';
  constructor(
    readonly code: 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'UnrecognizedClientException' | 'InvalidSignatureException',
    message: string,
  ) {
    super(message);
  }
}

export interface SignedRequest {
  method: string;
  /** Path as received, percent-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  /** Lower-case names. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
}

function parseAmzDate(text: string): Date | undefined {
  const match = AMZ_DATE.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const compact = (date: Date): string => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * Checks the `Authorization` header of `request` for `service`. `secretOf` returns the secret access key
 * of an access key id, or undefined when there is no such live key.
 */
export async function verifySigV4(
  request: SignedRequest,
  options: { service: string; secretOf: (accessKeyId: string) => Promise<string | undefined>; now?: number; maxSkewMs?: number },
): Promise<VerifiedCaller> {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || header === '') throw new SigV4Error('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const match = AUTHORIZATION.exec(header);
  if (!match) {
    throw new SigV4Error(
      'IncompleteSignatureException',
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of algorithm AWS4-HMAC-SHA256.",
    );
  }
  const [, accessKeyId, scopeDate, region, service, signedList, signature] = match;
  const amzDate = request.headers['x-amz-date'];
  const signingDate = typeof amzDate === 'string' ? parseAmzDate(amzDate) : undefined;
  if (!signingDate) throw new SigV4Error('IncompleteSignatureException', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  const signedHeaders = signedList.split(';');
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    throw new SigV4Error('InvalidSignatureException', "'Host' and 'X-Amz-Date' must be signed headers.");
  }
  if (service !== options.service) {
    throw new SigV4Error('InvalidSignatureException', `Credential should be scoped to correct service: '${options.service}'.`);
  }
  if (scopeDate !== compact(signingDate).slice(0, 8)) {
    throw new SigV4Error('InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${compact(signingDate).slice(0, 8)}'.`);
  }
  const now = options.now ?? Date.now();
  const maxSkewMs = options.maxSkewMs ?? SIGV4_MAX_SKEW_MS;
  if (Math.abs(now - signingDate.getTime()) > maxSkewMs) {
    const bound = new Date(signingDate.getTime() < now ? now - maxSkewMs : now + maxSkewMs);
    const relation = signingDate.getTime() < now ? 'earlier' : 'later';
    throw new SigV4Error(
      'InvalidSignatureException',
      `Signature expired: ${compact(signingDate)} is now ${relation} than ${compact(bound)} (${compact(new Date(now))} ${relation === 'earlier' ? '-' : '+'} ${maxSkewMs / 60_000} min.)`,
    );
  }

  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) throw new SigV4Error('InvalidSignatureException', `Signed header '${name}' is missing from the request.`);
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // A signed payload hash is only worth something when it is the hash of the body received.
  const bodyHash = createHash('sha256').update(request.body).digest('hex');
  if (headers['x-amz-content-sha256'] !== undefined && headers['x-amz-content-sha256'] !== bodyHash) {
    throw new SigV4Error('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }

  const secretAccessKey = await options.secretOf(accessKeyId);
  if (secretAccessKey === undefined) throw new SigV4Error('UnrecognizedClientException', 'The security token included in the request is invalid.');

  const signer = new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service, sha256: Sha256, applyChecksum: false });
  const [hostname, port] = (headers.host ?? '').split(':');
  let path: string;
  try {
    path = decodeURIComponent(request.path);
  } catch {
    throw new SigV4Error('InvalidSignatureException', 'The request path is not valid percent-encoding.');
  }
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: 'https:',
      hostname,
      port: port ? Number(port) : undefined,
      path,
      query: request.query,
      headers,
      body: request.body,
    },
    { signingDate, signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1] ?? '';
  if (expected.length !== signature.length || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw new SigV4Error(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
  return { accessKeyId, region };
}
