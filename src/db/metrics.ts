/** Queries behind the service-wide health gauges. */
import type { Queryable } from './pool';

export interface HealthCounts {
  dead_letters_open: number;
  configs_disabled: number;
  circuits_open: number;
}

/** The service-wide counts behind the health gauges, in one round trip at scrape time. */
export async function countHealth(db: Queryable): Promise<HealthCounts> {
  const { rows } = await db.query<HealthCounts>(
    `SELECT (SELECT count(*) FROM dead_letters WHERE retried_at IS NULL AND expires_at > now())::integer AS dead_letters_open,
            (SELECT count(*) FROM webhook_configs WHERE NOT enabled)::integer AS configs_disabled,
            (SELECT count(*) FROM webhook_configs WHERE circuit_open_until > now())::integer AS circuits_open`,
  );
  return rows[0];
}
