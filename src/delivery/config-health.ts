/** Config health as the service acts on it: disable a config after its dead letters, and announce that it was disabled. */
import type { Config } from '../config';
import { disableConfig, type WebhookConfigRow } from '../db/configs';
import { type DeadLetterRow, recordDeadLetter } from '../db/dead-letters';
import { type Queryable, type Pool, withTransaction } from '../db/pool';
import type { Logger } from '../logger';
import { CONFIG_DISABLED_EVENT } from '../shared/temporal';
import type { DeliveryRef } from './dispatcher';
import type { Publisher, PublishRequest } from './publisher';
import { recordDeadLetterAgainstConfig } from '../core/endpoint-health';

/**
 * The `webhook.config.disabled` event of a config just disabled. The key makes a repeated announcement
 * of the same disable (a retried activity, say) write nothing.
 */
export function configDisabledEvent(config: WebhookConfigRow): PublishRequest {
  const disabledAt = (config.disabled_at ?? new Date()).toISOString();
  return {
    orgId: config.org_id,
    eventName: CONFIG_DISABLED_EVENT,
    data: {
      configId: config.config_id,
      url: config.url,
      reason: config.disabled_reason,
      disabledAt,
      consecutiveDeadLetters: config.consecutive_dead_letters,
      failingSince: config.failing_since?.toISOString() ?? null,
    },
    idempotencyKey: `${CONFIG_DISABLED_EVENT}:${config.config_id}:${disabledAt}`,
  };
}

/**
 * Writes the announcement of a disable with `db`, the client of the disabling transaction, so the disable
 * and its event (with its deliveries) commit together or not at all. Returns the refs to start after commit;
 * if that start never happens, the reconciler starts them.
 */
export function announceConfigDisabled(db: Queryable, publisher: Publisher, config: WebhookConfigRow): Promise<DeliveryRef[]> {
  return publisher.announce(db, configDisabledEvent(config));
}

/** Outcomes that count against a config's health and may disable it, each with its announcement. */
export function createConfigHealth(deps: {
  pool: Pool;
  publisher: Publisher;
  config: Pick<Config, 'DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS' | 'DISABLE_AFTER_FAILING_FOR'>;
  logger: Logger;
}) {
  /** Runs `work` in a transaction, announcing the config it disabled in that transaction; then starts the announcement. */
  async function disablingTransaction<T>(work: (db: Queryable) => Promise<{ result: T; disabled: WebhookConfigRow | undefined }>): Promise<T> {
    const { result, refs } = await withTransaction(deps.pool, async (client) => {
      const { result: value, disabled } = await work(client);
      if (!disabled) return { result: value, refs: [] };
      deps.logger.warn({ orgId: disabled.org_id, configId: disabled.config_id, reason: disabled.disabled_reason }, 'config disabled');
      return { result: value, refs: await announceConfigDisabled(client, deps.publisher, disabled) };
    });
    await deps.publisher.startDeliveries(refs);
    return result;
  }

  return {
    /**
     * Writes the dead letter and counts it against the config's health, in one transaction. When that
     * disables the config, the `webhook.config.disabled` event is written in the same transaction.
     */
    recordDeadLetter(input: { deliveryId: string; reason: string; expiresAt: Date }): Promise<DeadLetterRow | undefined> {
      return disablingTransaction(async (client) => {
        const letter = await recordDeadLetter(client, input.deliveryId, input.reason, input.expiresAt);
        const disabled = letter
          ? await recordDeadLetterAgainstConfig(client, letter.org_id, letter.config_id, {
              afterConsecutiveDeadLetters: deps.config.DISABLE_AFTER_CONSECUTIVE_DEAD_LETTERS,
              afterFailingForMs: deps.config.DISABLE_AFTER_FAILING_FOR,
            })
          : undefined;
        return { result: letter, disabled };
      });
    },

    /** Disables the config (410 Gone, say) and announces it, in one transaction. A disabled config stays as it is. */
    disableConfig(orgId: string, configId: string, reason: string): Promise<void> {
      return disablingTransaction(async (client) => ({
        result: undefined,
        disabled: await disableConfig(client, orgId, configId, reason),
      }));
    },
  };
}

export type ConfigHealth = ReturnType<typeof createConfigHealth>;
