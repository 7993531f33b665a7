import type { Migration } from './migrate.js';

/**
 * The PostgreSQL schema, one numbered step at a time. Never edit a released step; add the next one.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'cluster events and single-use values',
    sql: `
      CREATE TABLE cluster_events (
        seq bigint PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('device.revoked', 'tester.suspended', 'policy.changed')),
        subject text NOT NULL,
        reason text NOT NULL DEFAULT '',
        at timestamptz NOT NULL DEFAULT now()
      );
      -- DPoP proof ids and enrollment nonces: a value is claimed once until it expires (seconds).
      CREATE TABLE single_use (
        scope text NOT NULL,
        value text NOT NULL,
        expires_at double precision NOT NULL,
        PRIMARY KEY (scope, value)
      );
      CREATE INDEX single_use_expiry ON single_use (expires_at);
    `,
  },
];
