/** Request schemas shared by the API's resources: ids, names, URLs, event patterns, pagination, and parsing them. */
import { z } from 'zod';
import { type EventPattern, patternIssues } from '../../delivery/event-pattern';
import { ID_PATTERN } from '../../shared/ids';
import { validationErrorFromZod } from '../errors';

export const EVENT_NAME_PATTERN = /^[a-z0-9_.-]{1,128}$/;
const MAX_URL_LENGTH = 2048;

export const idSchema = z.string().regex(ID_PATTERN, 'expected 1-128 characters of A-Z, a-z, 0-9, ".", "_" or "-"');
export const eventNameSchema = z
  .string()
  .regex(EVENT_NAME_PATTERN, 'expected 1-128 characters of lowercase letters, digits, "_", "." or "-"');
export const uuidSchema = z.uuid('expected a UUID');

/** Parses one part of a request; failures become a 422 naming `{where}.{field}` (where is omitted for the body). */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where?: 'path' | 'query'): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationErrorFromZod(result.error, where ?? '');
  return result.data;
}

export const webhookUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .refine((value) => {
    if (!URL.canParse(value)) return false;
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
  }, 'must be an absolute http(s) URL without credentials');

/** An event pattern in EventBridge's dialect; a bad one is named by its path inside the pattern. */
export const eventPatternSchema = z
  .custom<EventPattern>()
  .meta({ type: 'object', description: 'An EventBridge event pattern', example: { data: { order: { total: [{ numeric: ['>', 100] }] } } } })
  .superRefine((pattern, ctx) => {
  for (const issue of patternIssues(pattern)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

/** An event's data: any JSON object. */
export const dataSchema = z.record(z.string(), z.unknown(), 'must be a JSON object');

export const orgParams = z.object({ orgId: idSchema });

export const limitSchema = z.coerce.number().int().min(1).max(250).default(50);

export const listQuery = z.object({ cursor: z.string().max(512).optional(), limit: limitSchema });
