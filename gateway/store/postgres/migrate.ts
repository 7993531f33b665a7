/**
 * Versioned migrations for the PostgreSQL store. Each runs once, in order, in one transaction with
 * its `schema_migrations` row; instances starting together serialise on an advisory lock, so exactly
 * one applies each version. A database migrated by a newer gateway is refused, not guessed at.
 */
import type pg from 'pg';
import { MIGRATION_LOCK } from './locks.js';
import { inTransaction } from './queryable.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function migrate(pool: pg.Pool, migrations: readonly Migration[]): Promise<{ applied: number[]; version: number }> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  ordered.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1..n without gaps; found ${m.version} at position ${i + 1}`);
  });
  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const done = new Set(rows.map((r) => r.version));
    const newest = rows.at(-1)?.version ?? 0;
    if (newest > ordered.length) {
      throw new Error(`the database schema is at version ${newest}, newer than this gateway knows (${ordered.length}); upgrade the gateway`);
    }
    const applied: number[] = [];
    for (const m of ordered) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.version);
    }
    return { applied, version: ordered.length };
  });
}
