/** Registers the delivery search attributes in the namespace when they are missing. */
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Logger } from '../logger';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/temporal';

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;

const INDEXED_TYPES: Record<SearchAttributeType, temporal.api.enums.v1.IndexedValueType> = {
  [SearchAttributeType.TEXT]: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.INT]: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  [SearchAttributeType.DOUBLE]: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  [SearchAttributeType.BOOL]: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  [SearchAttributeType.KEYWORD_LIST]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

export class SearchAttributeConflictError extends Error {
  override readonly name = 'SearchAttributeConflictError';
}

/**
 * Registers the delivery search attributes in the namespace when they are missing, so a fresh
 * self-hosted cluster (docker-compose) needs no manual step. Idempotent; returns the names it added.
 * An attribute that exists with another type is an operator error and stops the worker.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const existing = customAttributes ?? {};
  const missing: Record<string, temporal.api.enums.v1.IndexedValueType> = {};
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    const wanted = INDEXED_TYPES[key.type];
    const current = existing[key.name];
    if (current === undefined) missing[key.name] = wanted;
    else if (current !== wanted) {
      throw new SearchAttributeConflictError(`search attribute ${key.name} exists in namespace ${namespace} with another type (${IndexedValueType[current]})`);
    }
  }
  const names = Object.keys(missing);
  if (names.length > 0) await connection.operatorService.addSearchAttributes({ namespace, searchAttributes: missing });
  return names;
}

/**
 * Worker start-up: ensures the attributes and logs what it did. A type conflict stops the worker;
 * a refused operator call (managed clusters) is logged, since the operator registers them there.
 */
export async function prepareSearchAttributes(connection: Connection, namespace: string, logger: Logger): Promise<void> {
  try {
    const added = await ensureSearchAttributes(connection, namespace);
    if (added.length > 0) logger.info({ added, namespace }, 'registered search attributes');
  } catch (error) {
    if (error instanceof SearchAttributeConflictError) throw error;
    logger.warn({ err: error, namespace }, 'could not check search attributes; register them if deliveries fail to start');
  }
}
