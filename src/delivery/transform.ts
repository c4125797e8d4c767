/**
 * Payload templates: a config's `transform` reshapes the body sent to its receiver. It is a JSONata
 * expression over the event's envelope, or a named preset (Slack, Microsoft Teams). Compiled when the
 * config is stored, evaluated per attempt with a time limit and an output size limit.
 */
import jsonata from 'jsonata';
import { z } from 'zod';
import { type Transform, TRANSFORM_PRESET_NAMES, type TransformPreset } from '../shared/transform';

/** Longest expression accepted. */
export const MAX_TRANSFORM_LENGTH = 16 * 1024;
/** An evaluation running longer than this fails (JSONata's own guard, checked at every step). */
export const TRANSFORM_TIME_LIMIT_MS = 1_000;
/** Largest body a transform may produce, serialised. */
export const TRANSFORM_OUTPUT_LIMIT_BYTES = 1024 * 1024;
/** Deepest recursion and longest sequence an evaluation may build. */
const TRANSFORM_STACK_LIMIT = 500;
const TRANSFORM_SEQUENCE_LIMIT = 100_000;

/**
 * Slack incoming webhooks (https://api.slack.com/messaging/webhooks): `text` is the notification
 * fallback; `blocks` a header (plain text, at most 150 characters), the data as a code block in a
 * section (mrkdwn, at most 3000 characters) and a context line naming the event.
 */
const SLACK = `{
  "text": $substring(type & ": event " & eventId, 0, 3000),
  "blocks": [
    { "type": "header", "text": { "type": "plain_text", "text": $substring(type, 0, 150), "emoji": false } },
    { "type": "section", "text": { "type": "mrkdwn", "text": "\`\`\`" & $substring($string(data, true), 0, 2990) & "\`\`\`" } },
    { "type": "context", "elements": [ { "type": "mrkdwn", "text": $substring("Event " & eventId & " at " & timestamp, 0, 3000) } ] }
  ]
}`;

/**
 * Microsoft Teams incoming webhooks (Workflows, and the connectors before them) take a message with one
 * Adaptive Card attachment (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using):
 * the event name as a title, a fact set with the event id, its time and each top-level field of the data.
 */
const TEAMS = `{
  "type": "message",
  "attachments": [
    {
      "contentType": "application/vnd.microsoft.card.adaptive",
      "contentUrl": null,
      "content": {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
          { "type": "TextBlock", "text": type, "weight": "Bolder", "size": "Medium", "wrap": true },
          {
            "type": "FactSet",
            "facts": [
              { "title": "Event", "value": eventId },
              { "title": "Time", "value": timestamp },
              $each(data, function($v, $k) { { "title": $k, "value": $type($v) = "string" ? $v : $string($v) } })
            ]
          }
        ]
      }
    }
  ]
}`;

export const TRANSFORM_PRESETS: Record<TransformPreset, string> = { slack: SLACK, teams: TEAMS };

/** A config's `transform`: a JSONata expression, or `{"preset": "slack" | "teams"}`. */
export const transformSchema = z.union([
  z.string().min(1, 'an empty expression').max(MAX_TRANSFORM_LENGTH, `at most ${MAX_TRANSFORM_LENGTH} characters`),
  z.strictObject({ preset: z.enum(TRANSFORM_PRESET_NAMES) }),
]) satisfies z.ZodType<Transform>;

/** What a transform is evaluated over: the body that is sent without one, and the org it goes to. */
export interface TransformInput {
  type: string;
  eventId: string;
  timestamp: string;
  data: unknown;
  orgId: string;
}

/** A transform that does not compile; `position` is the character offset JSONata reports. */
export class TransformCompileError extends Error {
  override readonly name = 'TransformCompileError';
  constructor(
    message: string,
    readonly position: number | null,
  ) {
    super(message);
  }
}

/** A transform that failed while evaluated, or produced no usable body. */
export class TransformEvaluationError extends Error {
  override readonly name = 'TransformEvaluationError';
}

export const transformExpression = (transform: Transform): string =>
  typeof transform === 'string' ? transform : TRANSFORM_PRESETS[transform.preset];

interface JsonataFailure {
  code?: string;
  position?: number;
  token?: string;
  message?: string;
}

const asFailure = (error: unknown): JsonataFailure => (error !== null && typeof error === 'object' ? (error as JsonataFailure) : { message: String(error) });

/** Compiles a transform, or throws TransformCompileError naming the position of the problem. */
export function compileTransform(transform: Transform): jsonata.Expression {
  try {
    return jsonata(transformExpression(transform), { timeout: TRANSFORM_TIME_LIMIT_MS, stack: TRANSFORM_STACK_LIMIT, sequence: TRANSFORM_SEQUENCE_LIMIT });
  } catch (error) {
    const failure = asFailure(error);
    const position = typeof failure.position === 'number' ? failure.position : null;
    const where = position === null ? '' : ` at position ${position}`;
    throw new TransformCompileError(`does not compile${where}: ${failure.message ?? 'invalid expression'}${failure.code ? ` (${failure.code})` : ''}`, position);
  }
}

/**
 * Evaluates a compiled transform and serialises its result: the body to send. A failure, a result that
 * is not JSON (nothing, a function) or one over the size limit throws TransformEvaluationError.
 */
export async function evaluateTransform(expression: jsonata.Expression, input: TransformInput): Promise<string> {
  let result: unknown;
  try {
    result = await expression.evaluate(input);
  } catch (error) {
    const failure = asFailure(error);
    const where = typeof failure.position === 'number' ? ` at position ${failure.position}` : '';
    throw new TransformEvaluationError(`transform failed${where}: ${failure.message ?? 'evaluation error'}${failure.code ? ` (${failure.code})` : ''}`);
  }
  if (result === undefined) throw new TransformEvaluationError('transform produced no value for this event');
  if (typeof result === 'function') throw new TransformEvaluationError('transform produced a function, not JSON');
  const body = JSON.stringify(result);
  if (Buffer.byteLength(body) > TRANSFORM_OUTPUT_LIMIT_BYTES) {
    throw new TransformEvaluationError(`transform produced more than ${TRANSFORM_OUTPUT_LIMIT_BYTES} bytes`);
  }
  return body;
}

/** Compiled transforms by expression, so each is parsed once per process. */
export function createTransformCache(limit = 500) {
  const compiled = new Map<string, jsonata.Expression>();
  return {
    async apply(transform: Transform, input: TransformInput): Promise<string> {
      const text = transformExpression(transform);
      let expression = compiled.get(text);
      if (!expression) {
        try {
          expression = compileTransform(transform);
        } catch (error) {
          // Stored transforms compiled when they were stored; a newer JSONata may still refuse one.
          throw new TransformEvaluationError(error instanceof Error ? `transform ${error.message}` : String(error));
        }
        if (compiled.size >= limit) compiled.delete(compiled.keys().next().value as string);
        compiled.set(text, expression);
      }
      return evaluateTransform(expression, input);
    },
  };
}
