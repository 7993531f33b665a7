/**
 * The store on PostgreSQL, for several gateway instances behind a load balancer. Same interface and
 * behaviour as the SQLite store (the shared contract suite in test/integration/store/ runs both);
 * what differs is what several writers need:
 *  - audit appends serialise on the chain lock, so every instance extends ONE hash chain;
 *  - a revocation or suspension records a cluster event and NOTIFYs in its own transaction, so
 *    every instance cuts the device's live connections at commit (see gateway/cluster/);
 *  - enrollment locks the invite and tester rows it judges, so racing instances cannot both take
 *    an invite's last place or enroll under a tester being suspended.
 */
import pg from 'pg';
import { inviteRefusal } from '../../enroll/invite-rules.js';
import { publishClusterEvent } from '../../cluster/publish.js';
import { RETIRED_REASON, type AuditEntry, type AuditInput, type DeviceRecord, type EnrollOutcome, type InviteRecord, type Store, type TesterRecord } from '../store.js';
import { appendAuditTx, auditEntry, auditQuery, auditTail, auditVerify } from './audit.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations.js';
import { inTransaction, type Queryable } from './queryable.js';
import { claimKeyCheck, expireTraces, traceHolderCounts, traceHolders, writeTraces } from '../../tracing/postgres-trace-rows.js';
import { toAudit, toDevice, toInvite, toLock, toRelease, toTester, type AuditDbRow, type DeviceRow, type InviteRow, type LockRow, type ReleaseRow, type TesterRow } from '../rows.js';

// Orderings use the "C" collation: byte order, as SQLite compares, whatever the database's locale.
const TESTER_SELECT = 'SELECT t.email, t.status, t.created_at, (SELECT count(*) FROM devices d WHERE d.tester = t.email) AS devices FROM testers t';

export interface PostgresStore extends Store {
  readonly kind: 'postgres';
  /** The store's pool; the cluster's replay guard and feed reuse its settings. */
  readonly pool: pg.Pool;
  readonly connection: pg.PoolConfig;
  /** Tells every instance to reload its policy, recorded with its audit entry. */
  publishPolicyChange(audit: AuditInput): Promise<AuditEntry>;
}

export interface PostgresStoreOptions {
  now?: () => Date;
  /** Pool size (default 10). */
  max?: number;
  log?: (line: string) => void;
}

/** Connects, migrates to the current schema and returns the store. */
export async function openPostgresStore(connection: string | pg.PoolConfig, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const now = options.now ?? (() => new Date());
  const config: pg.PoolConfig = typeof connection === 'string' ? { connectionString: connection } : { ...connection };
  const pool = new pg.Pool({ max: options.max ?? 10, keepAlive: true, connectionTimeoutMillis: 5_000, ...config });
  // An idle connection dies when the server restarts; the next query gets a fresh one. Without a
  // listener, pg would turn that into an uncaught exception.
  pool.on('error', (error) => options.log?.(`store: idle PostgreSQL connection lost: ${error.message}`));
  try {
    await migrate(pool, MIGRATIONS);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const tx = <T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> => inTransaction(pool, work);
  const append = (db: Queryable, input: AuditInput): Promise<AuditEntry> => appendAuditTx(db, input, now().toISOString());

  async function one<R extends pg.QueryResultRow>(db: Queryable, sql: string, params: unknown[]): Promise<R | undefined> {
    return (await db.query<R>(sql, params)).rows[0];
  }
  async function invite(db: Queryable, id: string, lock = false): Promise<InviteRecord | null> {
    const row = await one<InviteRow>(db, `SELECT * FROM invites WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toInvite(row) : null;
  }
  async function device(db: Queryable, id: string, lock = false): Promise<DeviceRecord | null> {
    const row = await one<DeviceRow>(db, `SELECT * FROM devices WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return row ? toDevice(row) : null;
  }
  async function tester(db: Queryable, email: string): Promise<TesterRecord | null> {
    const row = await one<TesterRow>(db, `${TESTER_SELECT} WHERE t.email = $1`, [email]);
    return row ? toTester(row) : null;
  }

  return {
    kind: 'postgres',
    pool,
    connection: config,

    async createInvite(input, audit) {
      return tx(async (c) => {
        await c.query(
          `INSERT INTO invites (id, email, code_hash, created_at, expires_at, device_limit, devices_used, status)
           VALUES ($1, $2, $3, $4, $5, $6, 0, 'pending')`,
          [input.id, input.email, input.codeHash, now().toISOString(), input.expiresAt, input.deviceLimit],
        );
        await append(c, audit);
        return (await invite(c, input.id))!;
      });
    },
    async getInvite(id) {
      return invite(pool, id);
    },
    async findInviteByCodeHash(codeHash) {
      const row = await one<InviteRow>(pool, 'SELECT * FROM invites WHERE code_hash = $1', [codeHash]);
      return row ? toInvite(row) : null;
    },
    async listInvites() {
      const { rows } = await pool.query<InviteRow>('SELECT * FROM invites ORDER BY created_at COLLATE "C", id COLLATE "C"');
      return rows.map(toInvite);
    },
    async revokeInvite(id, audit) {
      return tx(async (c) => {
        if (!(await invite(c, id, true))) return null;
        await c.query("UPDATE invites SET status = 'revoked' WHERE id = $1", [id]);
        await append(c, audit);
        return invite(c, id);
      });
    },

    async createChallenge(challenge) {
      await tx(async (c) => {
        await c.query('DELETE FROM challenges WHERE expires_at < $1', [Math.floor(now().getTime() / 1000)]);
        await c.query('INSERT INTO challenges (nonce, invite_id, expires_at) VALUES ($1, $2, $3)', [challenge.nonce, challenge.inviteId, challenge.expiresAt]);
      });
    },

    async discardChallenge(nonce) {
      await pool.query('DELETE FROM challenges WHERE nonce = $1', [nonce]);
    },

    async enrollDevice(input, audit): Promise<EnrollOutcome> {
      return tx(async (c): Promise<EnrollOutcome> => {
        // The challenge is consumed whatever happens next: a nonce is good for one attempt, on any
        // instance (the DELETE is the single use).
        const challenge = await one<{ invite_id: string; expires_at: number }>(c, 'DELETE FROM challenges WHERE nonce = $1 RETURNING invite_id, expires_at', [input.challengeNonce]);
        const inviteRow = await one<InviteRow>(c, 'SELECT * FROM invites WHERE code_hash = $1 FOR UPDATE', [input.codeHash]);
        if (!challenge || challenge.expires_at < input.now || !inviteRow || challenge.invite_id !== inviteRow.id) {
          return { ok: false, code: 'attestation_invalid', message: 'The enrollment nonce is unknown, used, expired or for another invite. Start the enrollment again.' };
        }
        const current = toInvite(inviteRow);
        const refusal = inviteRefusal(current, now().getTime());
        if (refusal) return { ok: false, ...refusal };
        // Locking the tester row orders this enrollment against a concurrent suspension.
        const existing = await one<{ status: TesterRecord['status'] }>(c, 'SELECT status FROM testers WHERE email = $1 FOR UPDATE', [current.email]);
        if (existing?.status === 'suspended') return { ok: false, code: 'tester_suspended', message: 'Your access was suspended by an admin.' };
        if (await one(c, 'SELECT id FROM devices WHERE jkt = $1', [input.device.jkt])) {
          return { ok: false, code: 'attestation_invalid', message: 'This device key is already enrolled. Make a new key to enroll again.' };
        }
        const at = now().toISOString();
        if (!existing) {
          await c.query("INSERT INTO testers (email, status, created_at) VALUES ($1, 'active', $2) ON CONFLICT (email) DO NOTHING", [current.email, at]);
          const raced = await one<{ status: TesterRecord['status'] }>(c, 'SELECT status FROM testers WHERE email = $1 FOR UPDATE', [current.email]);
          if (raced?.status === 'suspended') return { ok: false, code: 'tester_suspended', message: 'Your access was suspended by an admin.' };
        }
        const d = input.device;
        await c.query(
          `INSERT INTO devices (id, tester, invite_id, public_jwk, jkt, evidence, platform, status, enrolled_at, key_storage)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9)`,
          [d.id, current.email, current.id, JSON.stringify(d.publicJwk), d.jkt, JSON.stringify(d.evidence), d.evidence.platform, at, d.keyStorage ?? 'keychain'],
        );
        await c.query(
          `UPDATE invites SET devices_used = devices_used + 1,
             status = CASE WHEN devices_used + 1 >= device_limit THEN 'used' ELSE status END
           WHERE id = $1`,
          [current.id],
        );
        const record = (await device(c, d.id))!;
        await append(c, audit(record));
        return { ok: true, device: record };
      });
    },

    async getDevice(id) {
      return device(pool, id);
    },
    async listDevices() {
      const { rows } = await pool.query<DeviceRow>('SELECT * FROM devices ORDER BY enrolled_at COLLATE "C", id COLLATE "C"');
      return rows.map(toDevice);
    },
    async touchDevice(id, at) {
      await pool.query('UPDATE devices SET last_seen_at = $1 WHERE id = $2', [at, id]);
    },
    async revokeDevice(id, reason, audit) {
      return tx(async (c) => {
        if (!(await device(c, id, true))) return null;
        const result = await c.query("UPDATE devices SET status = 'revoked', revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND status = 'active'", [now().toISOString(), reason, id]);
        const changed = result.rowCount === 1;
        if (changed) {
          await publishClusterEvent(c, { kind: 'device.revoked', deviceId: id, reason });
          await append(c, audit);
        }
        return { device: (await device(c, id))!, changed };
      });
    },
    async retireDevice(id, audit) {
      return tx(async (c) => {
        if (!(await device(c, id, true))) return null;
        const result = await c.query("UPDATE devices SET status = 'retired', revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND status = 'active'", [now().toISOString(), RETIRED_REASON, id]);
        const changed = result.rowCount === 1;
        if (changed) {
          // Other instances cut and refuse it as they do a revoked device.
          await publishClusterEvent(c, { kind: 'device.revoked', deviceId: id, reason: RETIRED_REASON });
          await append(c, audit);
        }
        return { device: (await device(c, id))!, changed };
      });
    },
    async getTester(email) {
      return tester(pool, email);
    },
    async listTesters() {
      const { rows } = await pool.query<TesterRow>(`${TESTER_SELECT} ORDER BY t.email COLLATE "C"`);
      return rows.map(toTester);
    },
    async resumeTester(email, audit) {
      return tx(async (c) => {
        if (!(await tester(c, email))) return null;
        const updated = await c.query("UPDATE testers SET status = 'active', suspended_at = NULL, suspended_reason = NULL WHERE email = $1 AND status = 'suspended'", [email]);
        const changed = updated.rowCount === 1;
        if (changed) {
          await publishClusterEvent(c, { kind: 'tester.resumed', tester: email });
          await append(c, audit);
        }
        return { tester: (await tester(c, email))!, changed };
      });
    },
    async createLock(lock, audit) {
      return tx(async (c) => {
        const { rows } = await c.query<LockRow>(
          'INSERT INTO locks (id, target_kind, target, message, note, wipe_history, created_at, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *',
          [lock.id, lock.targetKind, lock.target, lock.message, lock.note, lock.wipeHistory, now().toISOString(), lock.createdBy, lock.expiresAt],
        );
        await append(c, audit);
        return toLock(rows[0]!);
      });
    },
    async addTraces(traces) {
      await tx((c) => writeTraces(c, traces));
    },
    async traceHolders(fingerprints) {
      return traceHolders(pool, fingerprints);
    },
    async traceHolderCounts(fingerprints) {
      return traceHolderCounts(pool, fingerprints);
    },
    async deleteTracesBefore(cutoff) {
      return expireTraces(pool, cutoff);
    },
    async claimTraceKeyCheck(check) {
      return claimKeyCheck(pool, check, now().toISOString());
    },
    async listLocks() {
      const { rows } = await pool.query<LockRow>('SELECT * FROM locks WHERE removed_at IS NULL ORDER BY created_at COLLATE "C", id COLLATE "C"');
      return rows.map(toLock);
    },
    async removeLock(id, removedBy, audit) {
      return tx(async (c) => {
        const existing = await one<LockRow>(c, 'SELECT * FROM locks WHERE id = $1 FOR UPDATE', [id]);
        if (!existing) return null;
        const updated = await c.query<LockRow>('UPDATE locks SET removed_at = $1, removed_by = $2 WHERE id = $3 AND removed_at IS NULL RETURNING *', [now().toISOString(), removedBy, id]);
        const changed = updated.rowCount === 1;
        if (changed) await append(c, audit);
        return { lock: toLock(updated.rows[0] ?? existing), changed };
      });
    },
    async suspendTester(email, reason, audit) {
      return tx(async (c) => {
        const at = now().toISOString();
        // Suspend first: the row lock makes a racing enrollment wait, then see the suspension; the
        // device list read after it includes any device that enrollment committed before.
        const updated = await c.query("UPDATE testers SET status = 'suspended', suspended_at = $1, suspended_reason = $2 WHERE email = $3", [at, reason, email]);
        if (updated.rowCount !== 1) return null;
        const { rows } = await c.query<{ id: string }>(
          "UPDATE devices SET status = 'revoked', revoked_at = $1, revoked_reason = $2 WHERE tester = $3 AND status = 'active' RETURNING id",
          [at, reason, email],
        );
        const devicesRevoked = rows.map((r) => r.id).sort();
        await publishClusterEvent(c, { kind: 'tester.suspended', tester: email, reason });
        await append(c, { ...audit, details: { ...audit.details, devicesRevoked } });
        return { tester: (await tester(c, email))!, devicesRevoked };
      });
    },

    async appendAudit(entry) {
      return tx((c) => append(c, entry));
    },
    async appendAuditDeferred(entry) {
      // Already off the event loop: the commit's wait is network I/O here.
      return tx((c) => append(c, entry));
    },
    async appendAuditWritten(entry) {
      // Committed means durable here: there is no cheaper written-but-not-synced step to offer.
      await tx((c) => append(c, entry));
      return { durable: Promise.resolve() };
    },
    async auditSince(since, types, actor) {
      const { rows } = await pool.query<AuditDbRow>('SELECT * FROM audit WHERE time COLLATE "C" >= $1 AND type = ANY($2) AND ($3::text IS NULL OR actor = $3) ORDER BY seq', [since, types, actor ?? null]);
      return rows.map(toAudit);
    },
    async auditEntry(seq) {
      return auditEntry(pool, seq);
    },
    async auditTail(n) {
      return auditTail(pool, n);
    },
    async auditQuery(query) {
      return auditQuery(pool, query);
    },
    async auditVerify(anchor) {
      return auditVerify(pool, anchor);
    },

    async addTokenUsage(testerEmail, tokens, at) {
      await pool.query(
        `INSERT INTO token_usage (tester, day, tokens) VALUES ($1, $2, $3)
         ON CONFLICT (tester, day) DO UPDATE SET tokens = token_usage.tokens + EXCLUDED.tokens`,
        [testerEmail, at.toISOString().slice(0, 10), tokens],
      );
    },
    async tokensUsedToday(testerEmail, at) {
      const row = await one<{ tokens: string }>(pool, 'SELECT tokens FROM token_usage WHERE tester = $1 AND day = $2', [testerEmail, at.toISOString().slice(0, 10)]);
      return row ? Number(row.tokens) : 0;
    },

    async addRelease(release, audit) {
      return tx(async (c) => {
        const at = now().toISOString();
        let added = 0;
        for (const b of release.builds) {
          const result = await c.query(
            `INSERT INTO releases (build_id, kid, version, platform, arch, created_at, manifest, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (build_id, kid) DO NOTHING`,
            [b.buildId, b.kid, b.version, b.platform, b.arch, b.createdAt, release.manifest, at],
          );
          added += result.rowCount ?? 0;
        }
        await append(c, { ...audit, details: { ...audit.details, added } });
        return { added };
      });
    },
    async listReleases() {
      const { rows } = await pool.query<ReleaseRow>('SELECT build_id, kid, version, platform, arch, created_at FROM releases ORDER BY added_at COLLATE "C", build_id COLLATE "C", kid COLLATE "C"');
      return rows.map(toRelease);
    },

    async publishPolicyChange(audit) {
      return tx(async (c) => {
        await publishClusterEvent(c, { kind: 'policy.changed' });
        return append(c, audit);
      });
    },

    async close() {
      await pool.end();
    },

    async enrolmentCounts() {
      // count(*) is a bigint, which pg hands over as text.
      const { rows } = await pool.query<{ devices: string; active: string; testers: string }>("SELECT (SELECT count(*) FROM devices) AS devices, (SELECT count(*) FROM devices WHERE status = 'active') AS active, (SELECT count(*) FROM testers) AS testers");
      const row = rows[0]!;
      return { devices: Number(row.devices), activeDevices: Number(row.active), testers: Number(row.testers) };
    },
  };
}
