import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';
import { migrate, type Migration } from '../../../gateway/store/postgres/migrate.js';

let server: ThrowawayPostgres;
const pools: pg.Pool[] = [];

beforeAll(async () => {
  server = await startThrowawayPostgres();
});

afterAll(async () => {
  for (const pool of pools) await pool.end();
  await server?.down();
});

async function freshPool(): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await server.createDatabase(), max: 2 });
  pools.push(pool);
  return pool;
}

const steps: Migration[] = [
  { version: 1, name: 'one', sql: 'CREATE TABLE t (id integer PRIMARY KEY)' },
  { version: 2, name: 'two', sql: 'ALTER TABLE t ADD COLUMN label text' },
];

describe('PostgreSQL migrations', () => {
  it('applies each step once, in order, even when instances start together', async () => {
    const pool = await freshPool();
    const other = new pg.Pool({ connectionString: (pool.options as { connectionString: string }).connectionString, max: 2 });
    pools.push(other);
    const results = await Promise.all([migrate(pool, steps), migrate(other, steps), migrate(pool, steps)]);
    expect(results.flatMap((r) => r.applied).sort()).toEqual([1, 2]);
    expect((await migrate(pool, steps)).applied).toEqual([]);
    await pool.query("INSERT INTO t (id, label) VALUES (1, 'x')");
  });

  it('adds only the new steps to an older database', async () => {
    const pool = await freshPool();
    await migrate(pool, steps.slice(0, 1));
    expect((await migrate(pool, steps)).applied).toEqual([2]);
  });

  it('rolls a failing step back whole', async () => {
    const pool = await freshPool();
    const broken: Migration[] = [steps[0]!, { version: 2, name: 'bad', sql: 'ALTER TABLE t ADD COLUMN a text; SELECT * FROM missing_table' }];
    await expect(migrate(pool, broken)).rejects.toThrow(/missing_table/);
    const { rows } = await pool.query("SELECT to_regclass('schema_migrations') AS t");
    expect(rows[0].t).toBeNull();
  });

  it('refuses a database migrated by a newer gateway, and numbering with gaps', async () => {
    const pool = await freshPool();
    await migrate(pool, steps);
    await expect(migrate(pool, steps.slice(0, 1))).rejects.toThrow(/newer than this gateway/);
    await expect(migrate(pool, [steps[1]!])).rejects.toThrow(/without gaps/);
  });
});
