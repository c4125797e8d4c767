/** Field schemas and helpers shared by the API's response views: timestamps, ids, JSON objects, Temporal UI links. */
import { z } from 'zod';
import type { Config } from '../../config';

/*
 * JSON shapes of the REST API are built from rows by each resource's view.ts. Each view has a zod schema: the
 * OpenAPI document is generated from them (src/api/openapi.ts), and each view is typed by its schema so the two
 * cannot differ. Response objects are strict: a field added to a view and not to its schema fails the API tests.
 */

export const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export const timestamp = z.iso.datetime().meta({ example: '2026-11-25T10:00:00.000Z' });
export const nullableTimestamp = timestamp.nullable();
export const uuid = z.uuid().meta({ example: '0b9f3c1e-6d2a-4f7e-9a51-3c8d2e7f4a10' });
export const jsonObject = z.record(z.string(), z.unknown());

/** What a view needs of the configuration to link a workflow in the Temporal UI. */
export type TemporalUiConfig = Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>;

export function temporalUiUrl(config: TemporalUiConfig, workflowId: string): string {
  const base = config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  return `${base}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(workflowId)}`;
}
