/** Trying a transform on an event before a config stores it: the body it would send, filled in as a publish would fill the event. */
import { randomUUID } from 'node:crypto';
import { InvalidFieldError } from '../core/errors';
import { type Transform } from '../shared/transform';
import { createTransformCache, TransformEvaluationError } from './transform';

/** An event to try a transform on; what is left out is filled in as a publish would. */
export interface TransformTestEvent {
  type: string;
  data: Record<string, unknown>;
  eventId?: string;
  timestamp?: string;
  orgId?: string;
}

export function createTransformTester(deps: { cacheSize: number }) {
  const transforms = createTransformCache(deps.cacheSize);

  /** The JSON body a config with this transform would send for the event, and its size as sent. */
  async function test(transform: Transform, event: TransformTestEvent): Promise<{ body: unknown; bytes: number }> {
    const input = {
      type: event.type,
      eventId: event.eventId ?? randomUUID(),
      timestamp: event.timestamp ? new Date(event.timestamp).toISOString() : new Date().toISOString(),
      data: event.data,
      orgId: event.orgId ?? 'org',
    };
    let body: string;
    try {
      body = await transforms.apply(transform, input);
    } catch (error) {
      if (error instanceof TransformEvaluationError) throw new InvalidFieldError('transform', error.message);
      throw error;
    }
    return { body: JSON.parse(body) as unknown, bytes: Buffer.byteLength(body) };
  }

  return { test };
}
