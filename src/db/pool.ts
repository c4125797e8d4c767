/** The Postgres pool, transactions on it, and Queryable: what every query function of src/db takes. */
import pg from 'pg';

// int8 and numeric counts come back as strings by default; every count here fits in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(options: { connectionString: string; max?: number; applicationName?: string }): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'temporal-webhooks',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (Postgres restarted) must not crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** A checked-out client's state: `broken` once its connection is lost, and then it is discarded, not pooled again. */
export interface ClientState {
  broken: Error | undefined;
}

/**
 * Checks a client out for `work` and gives it back. A connection lost while checked out is emitted as an
 * 'error' event; unheard, it would end the process. The query in progress rejects with it anyway: the
 * error is kept in `state.broken` (where `work` may put one of its own too), and a broken client is
 * discarded on release.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient, state: ClientState) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const state: ClientState = { broken: undefined };
  const onError = (error: Error) => {
    state.broken = error;
  };
  client.on('error', onError);
  try {
    return await work(client, state);
  } finally {
    client.off('error', onError);
    client.release(state.broken);
  }
}

export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client, state) => {
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (!state.broken) await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Counts the statements the pool's clients send to Postgres (each one a round trip; BEGIN and COMMIT
 * included). For measuring the work per delivery: the benchmark reports it. Returns the running count.
 */
export function countQueries(pool: Pool): () => number {
  let count = 0;
  const counted = new WeakSet<PoolClient>();
  const wrap = (client: PoolClient) => {
    if (counted.has(client)) return;
    counted.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      count += 1;
      return query(...args);
    };
  };
  // pool.query checks a client out too, so every statement passes a client that 'acquire' has seen.
  pool.on('acquire', wrap);
  return () => count;
}

/** Anything that runs a query: the pool, or a client inside a transaction. */
export type Queryable = Pool | PoolClient;
