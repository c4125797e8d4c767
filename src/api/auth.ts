/** API keys and scopes: who is calling, and whether the key may do what the route needs. */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, type Config } from '../config';
import { findActiveApiKey } from '../db/api-keys';
import type { Pool } from '../db/pool';
import { ID_PATTERN } from '../shared/ids';
import { ForbiddenError, NotFoundError, RateLimitedError, UnauthorizedError } from './errors';

/** Text of every generated key starts with this; the next characters are kept as the visible prefix. */
export const API_KEY_PREFIX = 'twk_live_';
const VISIBLE_CHARS = 8;
const ADMIN_KEY_ID = 'admin';

const SCOPE_PATTERN = new RegExp(`^(publish|admin|org:${ID_PATTERN.source.slice(1, -1)})$`);
export const scopeSchema = z.string().regex(SCOPE_PATTERN, 'expected "publish", "admin" or "org:{orgId}"');

/** Who is calling: the ADMIN_API_KEY, or a key from the api_keys table. */
export interface Principal {
  keyId: string;
  scopes: readonly string[];
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export function generateApiKey(): { keyId: string; key: string; prefix: string; hash: Buffer } {
  const key = API_KEY_PREFIX + randomBytes(24).toString('base64url');
  return { keyId: randomUUID(), key, prefix: key.slice(0, API_KEY_PREFIX.length + VISIBLE_CHARS), hash: hashApiKey(key) };
}

/** AWS's alphabet for access key ids: upper-case letters and digits 2-7 (base32). */
const ACCESS_KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
/** Access key ids of this service start with this, as AWS's own start with `AKIA`. */
export const ACCESS_KEY_ID_PREFIX = 'TWKA';

/** An `aws-sigv4` key: a 20-character access key id and a 40-character secret access key, as AWS makes them. */
export function generateSigV4Key(): { keyId: string; accessKeyId: string; secretAccessKey: string } {
  const id = [...randomBytes(16)].map((byte) => ACCESS_KEY_ALPHABET[byte & 31]).join('');
  return { keyId: randomUUID(), accessKeyId: ACCESS_KEY_ID_PREFIX + id, secretAccessKey: randomBytes(30).toString('base64') };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new UnauthorizedError();
  return principal;
}

const BEARER = /^Bearer ([\x21-\x7e]{1,512})$/;

/** Sets `res.locals.principal` from `Authorization: Bearer <key>`, or answers 401. */
export function authenticate(deps: { pool: Pool; config: Pick<Config, 'ADMIN_API_KEY'> }): RequestHandler {
  if (!deps.config.ADMIN_API_KEY) throw new ConfigError('ADMIN_API_KEY is required by the API: a key of at least 32 random characters');
  const adminHash = hashApiKey(deps.config.ADMIN_API_KEY);
  return (req, res, next) => {
    const match = BEARER.exec(req.get('authorization') ?? '');
    if (!match) {
      next(new UnauthorizedError());
      return;
    }
    const hash = hashApiKey(match[1]);
    // Digests of equal length, compared in constant time: the key's text leaks nothing through timing.
    if (timingSafeEqual(hash, adminHash)) {
      res.locals.principal = { keyId: ADMIN_KEY_ID, scopes: ['admin'] } satisfies Principal;
      next();
      return;
    }
    findActiveApiKey(deps.pool, hash).then(
      (row) => {
        if (!row || !timingSafeEqual(row.key_hash, hash)) {
          next(new UnauthorizedError('unknown or revoked API key'));
          return;
        }
        res.locals.principal = { keyId: row.key_id, scopes: row.scopes } satisfies Principal;
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

const isAdmin = (principal: Principal) => principal.scopes.includes('admin');

/** Only keys with the `admin` scope. */
export function requireAdmin(_req: Request, res: Response, next: NextFunction): void {
  next(isAdmin(principalOf(res)) ? undefined : new ForbiddenError('admin'));
}

/** `POST /events`: publishing for any org. */
export function requirePublish(_req: Request, res: Response, next: NextFunction): void {
  const principal = principalOf(res);
  next(isAdmin(principal) || principal.scopes.includes('publish') ? undefined : new ForbiddenError('publish'));
}

/**
 * Everything under `/webhooks/{orgId}`: an `org:{orgId}` key, or admin. A key for other orgs gets 404,
 * so it learns nothing about whether the org or the resource exists. `publish` keys may publish there.
 */
export function requireOrgAccess(req: Request, res: Response, next: NextFunction): void {
  const principal = principalOf(res);
  const orgId = String(req.params.orgId);
  if (isAdmin(principal) || principal.scopes.includes(`org:${orgId}`)) return next();
  const publishing = req.method === 'POST' && req.path === '/events';
  if (publishing && principal.scopes.includes('publish')) return next();
  if (principal.scopes.some((scope) => scope.startsWith('org:'))) return next(new NotFoundError(`route ${req.method} ${req.originalUrl.split('?')[0]}`));
  next(new ForbiddenError(`org:${orgId}`));
}

/** Reads of the event type registry: any key. Changes: admin. */
export function requireAdminToWrite(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  requireAdmin(req, res, next);
}

/** RATE_LIMIT_PER_MINUTE per key in this process, answered with 429 and Retry-After. */
export function rateLimitPerKey(config: Pick<Config, 'RATE_LIMIT_PER_MINUTE'>): RequestHandler {
  if (config.RATE_LIMIT_PER_MINUTE === 0) return (_req, _res, next) => next();
  return rateLimit({
    windowMs: 60_000,
    limit: config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => principalOf(res).keyId,
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.max(1, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : 60;
      next(new RateLimitedError(seconds));
    },
  });
}
