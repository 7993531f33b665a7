import Database from 'better-sqlite3';
import { chainedEntry, createChainVerifier, GENESIS_HASH, verdictAtEnd, type AuditRow } from '../audit/chain.js';
import { createWalSync, type WalSyncOptions } from '../audit/wal-sync.js';
import { inviteRefusal } from '../enroll/invite-rules.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { auditQueryParams, toAudit, toDevice, toInvite, toLock, toRelease, toTester, type AuditDbRow, type DeviceRow, type InviteRow, type LockRow, type ReleaseRow, type TesterRow } from './rows.js';
import { RETIRED_REASON } from './store.js';
import { sqliteTraceRows } from '../tracing/sqlite-trace-rows.js';
import { moveLegacyTraces, openTraceDatabase, traceDatabaseBeside } from '../tracing/trace-database.js';
import type {
  AuditEntry,
  AuditInput,
  AuditVerifyResult,
  DeviceRecord,
  EnrolmentCounts,
  EnrollOutcome,
  InviteRecord,
  Store,
  TesterRecord,
} from './store.js';

/** How long a batch may find the write lock taken before it is refused (as busy_timeout would). */
const BUSY_GIVE_UP_MS = 5_000;

/** A model-call entry or token usage waiting for the end of the event-loop turn (flushQueued). */
type Queued =
  | { kind: 'audit'; input: AuditInput; resolve(entry: AuditEntry): void; reject(error: Error): void; written?: () => void }
  | { kind: 'usage'; tester: string; day: string; tokens: number; resolve(): void; reject(error: Error): void };

/**
 * The embedded store: one SQLite file in the data directory, WAL with synchronous=FULL (a commit
 * is on disk before the caller hears of it, so an answered command survives SIGKILL or power loss),
 * and leak tracing's fingerprints in a second file beside it (tracing/trace-database.ts).
 * Model-call entries and token usage are the exception, for speed (issue 19): see `flushQueued`.
 */
export function openSqliteStore(path: string, options: { now?: () => Date; traceDatabase?: string; walSync?: WalSyncOptions } = {}): Store {
  const now = options.now ?? (() => new Date());
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');

  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]));
  // A store a newer gateway has migrated is refused, not guessed at (as on PostgreSQL): its tables
  // may have moved (leak tracing's went to trace.db), and this gateway would fail later and worse.
  const known = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
  const newest = Math.max(0, ...applied);
  if (newest > known) {
    db.close();
    throw new Error(`the store ${path} is at schema version ${newest}, newer than this gateway knows (${known}); run the newer gateway, or restore a backup taken before the upgrade`);
  }
  for (const migration of SQLITE_MIGRATIONS) {
    if (applied.has(migration.version)) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(migration.version, now().toISOString());
    }).immediate();
  }

  const q = {
    insertInvite: db.prepare('INSERT INTO invites (id, email, code_hash, created_at, expires_at, device_limit, devices_used, status) VALUES (?, ?, ?, ?, ?, ?, 0, \'pending\')'),
    inviteById: db.prepare('SELECT * FROM invites WHERE id = ?'),
    inviteByHash: db.prepare('SELECT * FROM invites WHERE code_hash = ?'),
    invites: db.prepare('SELECT * FROM invites ORDER BY created_at, id'),
    revokeInvite: db.prepare('UPDATE invites SET status = \'revoked\' WHERE id = ?'),
    countInvite: db.prepare('UPDATE invites SET devices_used = devices_used + 1, status = CASE WHEN devices_used + 1 >= device_limit THEN \'used\' ELSE status END WHERE id = ?'),
    insertChallenge: db.prepare('INSERT INTO challenges (nonce, invite_id, expires_at) VALUES (?, ?, ?)'),
    purgeChallenges: db.prepare('DELETE FROM challenges WHERE expires_at < ?'),
    takeChallenge: db.prepare('DELETE FROM challenges WHERE nonce = ? RETURNING invite_id, expires_at'),
    tester: db.prepare('SELECT t.email, t.status, t.created_at, (SELECT count(*) FROM devices d WHERE d.tester = t.email) AS devices FROM testers t WHERE t.email = ?'),
    testers: db.prepare('SELECT t.email, t.status, t.created_at, (SELECT count(*) FROM devices d WHERE d.tester = t.email) AS devices FROM testers t ORDER BY t.email'),
    insertTester: db.prepare('INSERT INTO testers (email, status, created_at) VALUES (?, \'active\', ?)'),
    suspendTester: db.prepare('UPDATE testers SET status = \'suspended\', suspended_reason = ? WHERE email = ?'),
    resumeTester: db.prepare('UPDATE testers SET status = \'active\', suspended_reason = NULL WHERE email = ? AND status = \'suspended\''),
    insertDevice: db.prepare('INSERT INTO devices (id, tester, invite_id, public_jwk, jkt, evidence, platform, status, enrolled_at, key_storage) VALUES (?, ?, ?, ?, ?, ?, ?, \'active\', ?, ?)'),
    deviceById: db.prepare('SELECT * FROM devices WHERE id = ?'),
    deviceByJkt: db.prepare('SELECT id FROM devices WHERE jkt = ?'),
    devices: db.prepare('SELECT * FROM devices ORDER BY enrolled_at, id'),
    activeDevicesOf: db.prepare('SELECT id FROM devices WHERE tester = ? AND status = \'active\' ORDER BY id'),
    touchDevice: db.prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
    retireDevice: db.prepare('UPDATE devices SET status = \'retired\', revoked_at = ?, revoked_reason = ? WHERE id = ? AND status = \'active\''),
    revokeDevice: db.prepare('UPDATE devices SET status = \'revoked\', revoked_at = ?, revoked_reason = ? WHERE id = ? AND status = \'active\''),
    insertAudit: db.prepare('INSERT INTO audit (seq, time, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    auditHead: db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
    auditTail: db.prepare('SELECT * FROM (SELECT * FROM audit ORDER BY seq DESC LIMIT ?) ORDER BY seq'),
    auditEntry: db.prepare('SELECT * FROM audit WHERE seq = ?'),
    auditQuery: db.prepare(`SELECT * FROM audit WHERE seq < @before
      AND (@type IS NULL OR substr(type, 1, length(@type)) = @type)
      AND (@since IS NULL OR time >= @since) AND (@until IS NULL OR time < @until)
      AND (@text IS NULL OR instr(actor, @text) > 0 OR instr(subject, @text) > 0 OR instr(details, @text) > 0)
      ORDER BY seq DESC LIMIT @limit`),
    auditAll: db.prepare('SELECT seq, time, type, actor, subject, details, prev_hash, hash FROM audit ORDER BY seq'),
    usage: db.prepare('SELECT tokens FROM token_usage WHERE tester = ? AND day = ?').pluck(),
  };
  // Leak tracing's fingerprints live in their own file (tracing/trace-database.ts), so the tracing
  // worker's commits never take the write lock the audit log needs.
  let traceDb: Database.Database | undefined;
  try {
    traceDb = openTraceDatabase(options.traceDatabase ?? traceDatabaseBeside(path));
    moveLegacyTraces(traceDb, path);
  } catch (error) {
    traceDb?.close();
    db.close();
    throw error;
  }
  const traceRows = sqliteTraceRows(traceDb);
  const lockQ = {
    insert: db.prepare('INSERT INTO locks (id, target_kind, target, message, note, wipe_history, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    byId: db.prepare('SELECT * FROM locks WHERE id = ?'),
    open: db.prepare('SELECT * FROM locks WHERE removed_at IS NULL ORDER BY created_at, id'),
    remove: db.prepare('UPDATE locks SET removed_at = ?, removed_by = ? WHERE id = ? AND removed_at IS NULL'),
  };
  const auditSinceQ = (types: number) => db.prepare(`SELECT * FROM audit WHERE time >= ? AND (? IS NULL OR actor = ?) AND type IN (${Array(types).fill('?').join(', ')}) ORDER BY seq`);
  const releaseQ = {
    insert: db.prepare('INSERT INTO releases (build_id, kid, version, platform, arch, created_at, manifest, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (build_id, kid) DO NOTHING'),
    all: db.prepare('SELECT build_id, kid, version, platform, arch, created_at FROM releases ORDER BY added_at, build_id, kid'),
  };

  // The chain's head is read inside each write transaction, never cached: another connection
  // (another process on this file, a tool) may append to the same chain.
  let pendingHead: { seq: number; hash: string } | null = null;
  // Model-call entries and token usage go through a second connection of this thread, set once
  // to synchronous=NORMAL and busy_timeout=0 (a PRAGMA takes effect when it is prepared, so it
  // cannot be switched per transaction with prepared statements; db.pragma() costs a prepare each).
  const batchDb = new Database(path);
  batchDb.pragma('synchronous = NORMAL');
  batchDb.pragma('busy_timeout = 0');
  const batchQ = {
    head: batchDb.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1'),
    insert: batchDb.prepare('INSERT INTO audit (seq, time, type, actor, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
    addUsage: batchDb.prepare('INSERT INTO token_usage (tester, day, tokens) VALUES (?, ?, ?) ON CONFLICT (tester, day) DO UPDATE SET tokens = tokens + excluded.tokens'),
  };
  /** Appends a batch in one IMMEDIATE transaction of batchDb: the head is read inside its write lock. */
  const writeBatch = batchDb.transaction((batch: Queued[]) => {
    const row = batchQ.head.get() as { seq: number; hash: string } | undefined;
    let head = { seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS_HASH };
    return batch.map((item): AuditEntry | undefined => {
      if (item.kind === 'usage') {
        batchQ.addUsage.run(item.tester, item.day, item.tokens);
        return undefined;
      }
      const entry = chainedEntry(head, now().toISOString(), item.input);
      batchQ.insert.run(entry.seq, entry.time, entry.type, entry.actor, entry.subject, entry.details, entry.prevHash, entry.hash);
      head = entry;
      return entry;
    });
  });
  const walSync = createWalSync(path, options.walSync);
  let queued: Queued[] = [];
  let flushScheduled = false;
  let closed = false;
  /** When the write lock was first found taken by another connection, for the current batch. */
  let busySince = 0;
  let busyRetries = 0;
  let retryTimer: NodeJS.Timeout | null = null;

  function currentHead(): { seq: number; hash: string } {
    const row = q.auditHead.get() as { seq: number; hash: string } | undefined;
    return { seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS_HASH };
  }

  /** Appends inside the caller's transaction. */
  function append(input: AuditInput): AuditEntry {
    const entry = chainedEntry(pendingHead ?? currentHead(), now().toISOString(), input);
    q.insertAudit.run(entry.seq, entry.time, entry.type, entry.actor, entry.subject, entry.details, entry.prevHash, entry.hash);
    pendingHead = entry;
    return entry;
  }

  /**
   * Writes the queued model-call entries and token usage now, in one transaction committed with
   * synchronous=NORMAL: the WAL frames are written (they survive the gateway process dying, kill -9
   * included) but not yet fsync'd. Each item's promise resolves after the group fdatasync of the WAL
   * that follows (audit/wal-sync.ts), so a resolved entry is as durable as one committed with FULL;
   * entries written in one event-loop turn share one transaction and one fsync (group commit), and
   * a batch of end entries and usage alone waits up to PATIENT_SYNC_MS to share the next call's.
   */
  function flushQueued(mayWait = false): void {
    flushScheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    let written: Array<AuditEntry | undefined>;
    // Another connection holding the write lock (leak tracing's worker commits on its own, with its
    // fsync inside the lock) must not make the event loop sleep in SQLite's busy handler: the batch
    // waits for a later turn instead. A state change (mayWait) waits, as it always has.
    if (mayWait) batchDb.pragma('busy_timeout = 5000');
    try {
      written = writeBatch.immediate(batch);
    } catch (error) {
      if (!mayWait && (error as { code?: string }).code === 'SQLITE_BUSY' && Date.now() - (busySince ||= Date.now()) < BUSY_GIVE_UP_MS) {
        queued = batch.concat(queued);
        // 1, 2, 4, then every 5 ms: each refusal costs an exception, and the holder's fsync takes a while.
        busyRetries++;
        retryTimer ??= setTimeout(() => {
          retryTimer = null;
          flushQueued();
        }, Math.min(5, 2 ** (busyRetries - 1)));
        return;
      }
      busySince = 0;
      busyRetries = 0;
      for (const item of batch) item.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      if (mayWait) batchDb.pragma('busy_timeout = 0');
    }
    busySince = 0;
    busyRetries = 0;
    let startRecord = false;
    for (const item of batch) {
      if (item.kind === 'audit' && item.written) {
        startRecord = true;
        item.written();
      }
    }
    // A start record's call waits for its fsync before its end entry; nothing waits for an end
    // entry's or token usage's: they share the next start record's, or one within PATIENT_SYNC_MS.
    (startRecord ? walSync.sync() : walSync.syncPatiently()).then(
      () => batch.forEach((item, i) => (item.kind === 'audit' ? item.resolve(written[i]!) : item.resolve())),
      (error: Error) => batch.forEach((item) => item.reject(error)),
    );
  }

  function enqueue(item: Queued): void {
    queued.push(item);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushQueued);
    }
  }

  /** Runs `fn` in an IMMEDIATE transaction: the write lock is held from the head's read to the commit. */
  function atomically<T>(fn: () => T): T {
    // Entries asked for before this change go before it in the chain, and this change's fsync'd
    // commit (synchronous=FULL syncs the whole WAL) makes them durable before it is reported done:
    // once a revocation or an enrollment is answered, every call entry before it is on disk.
    if (queued.length > 0) flushQueued(true);
    pendingHead = null;
    try {
      return db.transaction(fn).immediate();
    } finally {
      pendingHead = null;
    }
  }

  function tester(email: string): TesterRecord | null {
    const row = q.tester.get(email) as TesterRow | undefined;
    return row ? toTester(row) : null;
  }
  function device(id: string): DeviceRecord | null {
    const row = q.deviceById.get(id) as DeviceRow | undefined;
    return row ? toDevice(row) : null;
  }
  function invite(id: string): InviteRecord | null {
    const row = q.inviteById.get(id) as InviteRow | undefined;
    return row ? toInvite(row) : null;
  }

  const enrolmentCountsQ = db.prepare("SELECT (SELECT count(*) FROM devices) AS devices, (SELECT count(*) FROM devices WHERE status = 'active') AS activeDevices, (SELECT count(*) FROM testers) AS testers");

  return {
    async createInvite(input, audit) {
      return atomically(() => {
        q.insertInvite.run(input.id, input.email, input.codeHash, now().toISOString(), input.expiresAt, input.deviceLimit);
        append(audit);
        return invite(input.id)!;
      });
    },
    async getInvite(id) {
      return invite(id);
    },
    async findInviteByCodeHash(codeHash) {
      const row = q.inviteByHash.get(codeHash) as InviteRow | undefined;
      return row ? toInvite(row) : null;
    },
    async listInvites() {
      return (q.invites.all() as InviteRow[]).map(toInvite);
    },
    async revokeInvite(id, audit) {
      return atomically(() => {
        if (!invite(id)) return null;
        q.revokeInvite.run(id);
        append(audit);
        return invite(id);
      });
    },

    async createChallenge(challenge) {
      atomically(() => {
        q.purgeChallenges.run(Math.floor(now().getTime() / 1000));
        q.insertChallenge.run(challenge.nonce, challenge.inviteId, challenge.expiresAt);
      });
    },

    async discardChallenge(nonce) {
      q.takeChallenge.get(nonce);
    },

    async enrollDevice(input, audit): Promise<EnrollOutcome> {
      return atomically((): EnrollOutcome => {
        // The challenge is consumed whatever happens next: a nonce is good for one attempt.
        const challenge = q.takeChallenge.get(input.challengeNonce) as { invite_id: string; expires_at: number } | undefined;
        const inviteRow = q.inviteByHash.get(input.codeHash) as InviteRow | undefined;
        if (!challenge || challenge.expires_at < input.now || !inviteRow || challenge.invite_id !== inviteRow.id) {
          return { ok: false, code: 'attestation_invalid', message: 'The enrollment nonce is unknown, used, expired or for another invite. Start the enrollment again.' };
        }
        const current = toInvite(inviteRow);
        const refusal = inviteRefusal(current, now().getTime());
        if (refusal) return { ok: false, ...refusal };
        const existing = tester(current.email);
        if (existing?.status === 'suspended') return { ok: false, code: 'tester_suspended', message: 'Your access was suspended by an admin.' };
        if (q.deviceByJkt.get(input.device.jkt)) return { ok: false, code: 'attestation_invalid', message: 'This device key is already enrolled. Make a new key to enroll again.' };
        const at = now().toISOString();
        if (!existing) q.insertTester.run(current.email, at);
        const d = input.device;
        q.insertDevice.run(d.id, current.email, current.id, JSON.stringify(d.publicJwk), d.jkt, JSON.stringify(d.evidence), d.evidence.platform, at, d.keyStorage ?? 'keychain');
        q.countInvite.run(current.id);
        const record = device(d.id)!;
        append(audit(record));
        return { ok: true, device: record };
      });
    },

    async getDevice(id) {
      return device(id);
    },
    async listDevices() {
      return (q.devices.all() as DeviceRow[]).map(toDevice);
    },
    async touchDevice(id, at) {
      q.touchDevice.run(at, id);
    },
    async revokeDevice(id, reason, audit) {
      return atomically(() => {
        if (!device(id)) return null;
        const changed = q.revokeDevice.run(now().toISOString(), reason, id).changes === 1;
        if (changed) append(audit);
        return { device: device(id)!, changed };
      });
    },
    async retireDevice(id, audit) {
      return atomically(() => {
        if (!device(id)) return null;
        const changed = q.retireDevice.run(now().toISOString(), RETIRED_REASON, id).changes === 1;
        if (changed) append(audit);
        return { device: device(id)!, changed };
      });
    },
    async getTester(email) {
      return tester(email);
    },
    async listTesters() {
      return (q.testers.all() as TesterRow[]).map(toTester);
    },
    async resumeTester(email, audit) {
      return atomically(() => {
        if (!tester(email)) return null;
        const changed = q.resumeTester.run(email).changes === 1;
        if (changed) append(audit);
        return { tester: tester(email)!, changed };
      });
    },
    async createLock(lock, audit) {
      return atomically(() => {
        lockQ.insert.run(lock.id, lock.targetKind, lock.target, lock.message, lock.note, lock.wipeHistory ? 1 : 0, now().toISOString(), lock.createdBy, lock.expiresAt);
        append(audit);
        return toLock(lockQ.byId.get(lock.id) as LockRow);
      });
    },
    async addTraces(traces) {
      traceRows.write(traces);
    },
    async traceHolders(fingerprints) {
      return traceRows.holders(fingerprints);
    },
    async traceHolderCounts(fingerprints) {
      return traceRows.holderCounts(fingerprints);
    },
    async deleteTracesBefore(cutoff) {
      return traceRows.expire(cutoff);
    },
    async claimTraceKeyCheck(check) {
      return traceRows.claimKeyCheck(check, now().toISOString());
    },
    async listLocks() {
      return (lockQ.open.all() as LockRow[]).map(toLock);
    },
    async removeLock(id, removedBy, audit) {
      return atomically(() => {
        if (!lockQ.byId.get(id)) return null;
        const changed = lockQ.remove.run(now().toISOString(), removedBy, id).changes === 1;
        if (changed) append(audit);
        return { lock: toLock(lockQ.byId.get(id) as LockRow), changed };
      });
    },
    async suspendTester(email, reason, audit) {
      return atomically(() => {
        if (!tester(email)) return null;
        const devicesRevoked = q.activeDevicesOf.pluck().all(email) as string[];
        const at = now().toISOString();
        for (const id of devicesRevoked) q.revokeDevice.run(at, reason, id);
        q.suspendTester.run(reason, email);
        append({ ...audit, details: { ...audit.details, devicesRevoked } });
        return { tester: tester(email)!, devicesRevoked };
      });
    },

    async appendAudit(entry) {
      return atomically(() => append(entry));
    },
    appendAuditDeferred(entry) {
      if (closed) return Promise.reject(new Error('the store is closed'));
      return new Promise<AuditEntry>((resolve, reject) => enqueue({ kind: 'audit', input: entry, resolve, reject }));
    },
    async appendAuditWritten(entry) {
      if (closed) throw new Error('the store is closed');
      let written!: () => void;
      const isWritten = new Promise<void>((resolve) => (written = resolve));
      // Written at the end of this event-loop turn with whatever else was asked in it (other
      // calls' start records, end entries, usage): one transaction for them all (issue 19: at 20
      // connections a transaction per start record was the main thread's largest SQLite cost).
      // The caller's answer waits for `written`, and no answer byte can arrive before the turn ends.
      const durable = new Promise<AuditEntry>((resolve, reject) => enqueue({ kind: 'audit', input: entry, resolve, reject, written }));
      // Written, or failed: a failure rejects `durable`, which the caller awaits too.
      await Promise.race([isWritten, durable]);
      return { durable: durable.then(() => undefined) };
    },
    async auditSince(since, types, actor) {
      if (types.length === 0) return [];
      return (auditSinceQ(types.length).all(since, actor ?? null, actor ?? null, ...types) as AuditDbRow[]).map(toAudit);
    },
    async auditEntry(seq) {
      const row = q.auditEntry.get(seq) as AuditDbRow | undefined;
      return row ? toAudit(row) : null;
    },
    async auditTail(n) {
      return (q.auditTail.all(n) as AuditDbRow[]).map(toAudit);
    },
    async auditQuery(query) {
      return (q.auditQuery.all(auditQueryParams(query)) as AuditDbRow[]).map(toAudit);
    },
    async auditVerify(anchor): Promise<AuditVerifyResult> {
      const verifier = createChainVerifier(anchor);
      // raw() rows are arrays in column order: no per-row object with named fields to build.
      for (const row of q.auditAll.raw(true).iterate() as IterableIterator<AuditRow>) {
        const bad = verifier.push(row);
        if (bad !== null) return { ok: false, entries: verifier.entries, firstBad: row[0], reason: bad, head: verifier.head };
      }
      return verdictAtEnd(verifier);
    },

    addTokenUsage(testerEmail, tokens, at) {
      // Batched with the call entries (flushQueued): the fsync stays off the event loop.
      if (closed) return Promise.reject(new Error('the store is closed'));
      return new Promise<void>((resolve, reject) => enqueue({ kind: 'usage', tester: testerEmail, day: at.toISOString().slice(0, 10), tokens, resolve, reject }));
    },
    async tokensUsedToday(testerEmail, at) {
      return (q.usage.get(testerEmail, at.toISOString().slice(0, 10)) as number | undefined) ?? 0;
    },

    async addRelease(release, audit) {
      return atomically(() => {
        const at = now().toISOString();
        let added = 0;
        for (const b of release.builds) added += releaseQ.insert.run(b.buildId, b.kid, b.version, b.platform, b.arch, b.createdAt, release.manifest, at).changes;
        append({ ...audit, details: { ...audit.details, added } });
        return { added };
      });
    },
    async listReleases() {
      return (releaseQ.all.all() as ReleaseRow[]).map(toRelease);
    },

    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      flushQueued(true);
      await walSync.close();
      batchDb.close();
      traceDb.close();
      db.close();
    },

    async enrolmentCounts() {
      return enrolmentCountsQ.get() as EnrolmentCounts;
    },
  };
}
