import type pg from 'pg';

/** A pool or a checked-out client: what a statement needs, nothing more. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** Runs `work` in one transaction on a client from `pool`; rolls back on any error. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // The connection may be what failed: then it is dropped from the pool, and the rollback's own
    // failure must not hide the cause.
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}
