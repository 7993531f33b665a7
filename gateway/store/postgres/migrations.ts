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
  {
    version: 2,
    name: 'gateway store: testers, invites, challenges, devices, audit chain, token usage',
    // Times are kept as the ISO 8601 strings the store interface speaks, exactly as SQLite keeps
    // them, so that a record reads back identical and an audit entry hashes identically.
    sql: `
      CREATE TABLE testers (
        email text PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('active', 'suspended')),
        created_at text NOT NULL,
        suspended_at text,
        suspended_reason text
      );
      CREATE TABLE invites (
        id text PRIMARY KEY,
        email text NOT NULL,
        code_hash text NOT NULL UNIQUE,
        created_at text NOT NULL,
        expires_at text NOT NULL,
        device_limit integer NOT NULL CHECK (device_limit > 0),
        devices_used integer NOT NULL DEFAULT 0,
        status text NOT NULL CHECK (status IN ('pending', 'used', 'revoked'))
      );
      CREATE TABLE challenges (
        nonce text PRIMARY KEY,
        invite_id text NOT NULL REFERENCES invites (id),
        expires_at double precision NOT NULL
      );
      CREATE INDEX challenges_expiry ON challenges (expires_at);
      CREATE TABLE devices (
        id text PRIMARY KEY,
        tester text NOT NULL REFERENCES testers (email),
        invite_id text NOT NULL REFERENCES invites (id),
        public_jwk text NOT NULL,
        jkt text NOT NULL UNIQUE,
        evidence text NOT NULL,
        platform text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'revoked')),
        enrolled_at text NOT NULL,
        last_seen_at text,
        revoked_at text,
        revoked_reason text
      );
      CREATE INDEX devices_tester ON devices (tester);
      CREATE TABLE audit (
        seq bigint PRIMARY KEY,
        time text NOT NULL,
        type text NOT NULL,
        actor text NOT NULL,
        subject text NOT NULL,
        details text NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      -- Append-only: the gateway never rewrites history (the hash chain catches anyone who does).
      CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END
      $fn$;
      CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
      CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
      CREATE TABLE token_usage (
        tester text NOT NULL,
        day text NOT NULL,
        tokens bigint NOT NULL,
        PRIMARY KEY (tester, day)
      );
    `,
  },
  {
    version: 3,
    name: 'releases: builds admitted from verified release manifests',
    // Keyed by build and signing key: removing a key from policy.releaseKeys withdraws exactly the
    // builds that key vouched for. Times as ISO strings, as in the SQLite store.
    sql: `
      CREATE TABLE releases (
        build_id text NOT NULL,
        kid text NOT NULL,
        version text NOT NULL,
        platform text NOT NULL,
        arch text NOT NULL,
        created_at text NOT NULL,
        manifest text NOT NULL,
        added_at text NOT NULL,
        PRIMARY KEY (build_id, kid)
      );
    `,
  },
  {
    version: 4,
    name: 'devices: a device its tester signed out of is retired',
    sql: `
      ALTER TABLE devices DROP CONSTRAINT devices_status_check;
      ALTER TABLE devices ADD CONSTRAINT devices_status_check CHECK (status IN ('active', 'revoked', 'retired'));
    `,
  },
  {
    version: 5,
    name: 'locks: reversible, optionally timed refusals of a tester or a device; audit by time for usage',
    sql: `
      CREATE TABLE locks (
        id text PRIMARY KEY,
        target_kind text NOT NULL CHECK (target_kind IN ('tester', 'device')),
        target text NOT NULL,
        message text,
        note text,
        created_at text NOT NULL,
        created_by text NOT NULL,
        expires_at text,
        removed_at text,
        removed_by text
      );
      CREATE INDEX locks_open ON locks (removed_at, target);
      CREATE INDEX audit_by_time ON audit (time COLLATE "C");
    `,
  },
  {
    version: 6,
    name: 'leak tracing: traced calls and their winnowed keyed fingerprints, no answer text',
    sql: `
      CREATE TABLE trace_calls (
        call_id text PRIMARY KEY,
        tester text NOT NULL,
        device_id text NOT NULL,
        model text NOT NULL,
        created_at text NOT NULL
      );
      CREATE INDEX trace_calls_by_time ON trace_calls (created_at COLLATE "C");
      CREATE TABLE trace_fingerprints (
        hash bigint NOT NULL,
        call_id text NOT NULL REFERENCES trace_calls(call_id) ON DELETE CASCADE,
        created_at text NOT NULL,
        PRIMARY KEY (hash, call_id)
      );
      CREATE INDEX trace_fingerprints_by_call ON trace_fingerprints (call_id);
    `,
  },
  {
    version: 7,
    name: 'leak tracing: the check value of the trace key every instance must share',
    sql: `
      CREATE TABLE trace_key_check (
        id integer PRIMARY KEY CHECK (id = 1),
        check_value text NOT NULL,
        created_at text NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'TPM-bound keys: the key storage verified at enrollment (earlier devices are keychain)',
    sql: `
      ALTER TABLE devices ADD COLUMN key_storage text NOT NULL DEFAULT 'keychain' CHECK (key_storage IN ('keychain', 'tpm'));
    `,
  },
  {
    version: 9,
    name: 'locks: a lock that says so makes the app delete its chat history (earlier locks did not)',
    sql: `
      ALTER TABLE locks ADD COLUMN wipe_history boolean NOT NULL DEFAULT false;
    `,
  },
  {
    version: 10,
    name: 'cluster events: a tester resumed (the other instances stop refusing them at once)',
    sql: `
      ALTER TABLE cluster_events DROP CONSTRAINT cluster_events_kind_check;
      ALTER TABLE cluster_events ADD CONSTRAINT cluster_events_kind_check CHECK (kind IN ('device.revoked', 'tester.suspended', 'tester.resumed', 'policy.changed'));
    `,
  },
];
