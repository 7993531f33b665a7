/**
 * Versioned schema migrations for the SQLite store, applied in order inside one transaction each
 * and recorded in `schema_migrations`. Never edit a released migration: add the next one.
 */
export const SQLITE_MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE testers (
        email TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
        created_at TEXT NOT NULL,
        suspended_reason TEXT
      );
      CREATE TABLE invites (
        id TEXT PRIMARY KEY,
        email TEXT NOT NULL,
        code_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        device_limit INTEGER NOT NULL CHECK (device_limit >= 1),
        devices_used INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('pending', 'used', 'revoked'))
      );
      CREATE TABLE challenges (
        nonce TEXT PRIMARY KEY,
        invite_id TEXT NOT NULL REFERENCES invites(id),
        expires_at INTEGER NOT NULL
      );
      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        tester TEXT NOT NULL REFERENCES testers(email),
        invite_id TEXT NOT NULL REFERENCES invites(id),
        public_jwk TEXT NOT NULL,
        jkt TEXT NOT NULL UNIQUE,
        evidence TEXT NOT NULL,
        platform TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        enrolled_at TEXT NOT NULL,
        last_seen_at TEXT,
        revoked_at TEXT,
        revoked_reason TEXT
      );
      CREATE INDEX devices_by_tester ON devices (tester);
      CREATE TABLE audit (
        seq INTEGER PRIMARY KEY,
        time TEXT NOT NULL,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      -- Append-only: the gateway never rewrites history (the hash chain catches anyone who does).
      CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TABLE token_usage (
        tester TEXT NOT NULL,
        day TEXT NOT NULL,
        tokens INTEGER NOT NULL,
        PRIMARY KEY (tester, day)
      );
    `,
  },
  {
    version: 2,
    // Builds admitted from verified release manifests (issue 7). Keyed by build and signing key:
    // removing a key from policy.releaseKeys withdraws exactly the builds that key vouched for.
    sql: `
      CREATE TABLE releases (
        build_id TEXT NOT NULL,
        kid TEXT NOT NULL,
        version TEXT NOT NULL,
        platform TEXT NOT NULL,
        arch TEXT NOT NULL,
        created_at TEXT NOT NULL,
        manifest TEXT NOT NULL,
        added_at TEXT NOT NULL,
        PRIMARY KEY (build_id, kid)
      );
    `,
  },
  {
    version: 3,
    // A device its tester signed out of (POST /v1/device/retire) is `retired`: ended like a revoked
    // one, but by its owner. SQLite cannot alter a CHECK, so the table is rebuilt with the same rows.
    sql: `
      CREATE TABLE devices_v3 (
        id TEXT PRIMARY KEY,
        tester TEXT NOT NULL REFERENCES testers(email),
        invite_id TEXT NOT NULL REFERENCES invites(id),
        public_jwk TEXT NOT NULL,
        jkt TEXT NOT NULL UNIQUE,
        evidence TEXT NOT NULL,
        platform TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'retired')),
        enrolled_at TEXT NOT NULL,
        last_seen_at TEXT,
        revoked_at TEXT,
        revoked_reason TEXT
      );
      INSERT INTO devices_v3 SELECT id, tester, invite_id, public_jwk, jkt, evidence, platform, status, enrolled_at, last_seen_at, revoked_at, revoked_reason FROM devices;
      DROP TABLE devices;
      ALTER TABLE devices_v3 RENAME TO devices;
      CREATE INDEX devices_by_tester ON devices (tester);
    `,
  },
  {
    version: 4,
    // Locks (issue 13): reversible, optionally timed refusals of a tester or a device. The audit
    // index by time serves `usage --since`.
    sql: `
      CREATE TABLE locks (
        id TEXT PRIMARY KEY,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('tester', 'device')),
        target TEXT NOT NULL,
        message TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        expires_at TEXT,
        removed_at TEXT,
        removed_by TEXT
      );
      CREATE INDEX locks_open ON locks (removed_at, target);
      CREATE INDEX audit_by_time ON audit (time);
    `,
  },
  {
    version: 5,
    // Leak tracing (issue 17, gateway/tracing/): who each traced answer went to, and its winnowed
    // keyed fingerprints. No answer text: a fingerprint is a 48-bit HMAC of four words.
    sql: `
      CREATE TABLE trace_calls (
        call_id TEXT PRIMARY KEY,
        tester TEXT NOT NULL,
        device_id TEXT NOT NULL,
        model TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX trace_calls_by_time ON trace_calls (created_at);
      CREATE TABLE trace_fingerprints (
        hash INTEGER NOT NULL,
        call_id TEXT NOT NULL REFERENCES trace_calls(call_id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (hash, call_id)
      ) WITHOUT ROWID;
      CREATE INDEX trace_fingerprints_by_call ON trace_fingerprints (call_id);
    `,
  },
  {
    version: 6,
    // The trace key's check value (gateway/tracing/trace-key-check.ts): a store whose fingerprints
    // were made under one DATA/trace.key refuses a gateway holding another.
    sql: `
      CREATE TABLE trace_key_check (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        check_value TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 7,
    // TPM-bound keys (issue 18, gateway/tpm-attestation/): the key storage the gateway VERIFIED at
    // enrollment. Every device enrolled before it is `keychain`, whatever its evidence claimed.
    sql: `
      ALTER TABLE devices ADD COLUMN key_storage TEXT NOT NULL DEFAULT 'keychain' CHECK (key_storage IN ('keychain', 'tpm'));
    `,
  },
  {
    version: 8,
    // A lock that says so makes the app delete its chat history (issue 14). Earlier locks did not.
    sql: `
      ALTER TABLE locks ADD COLUMN wipe_history INTEGER NOT NULL DEFAULT 0 CHECK (wipe_history IN (0, 1));
    `,
  },
];
