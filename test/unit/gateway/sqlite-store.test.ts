import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SQLITE_MIGRATIONS } from '../../../gateway/store/sqlite-migrations.js';

/** The migration that lets a device be `retired` (the one that rebuilds `devices`). */
const RETIRE_MIGRATION = SQLITE_MIGRATIONS.find((m) => m.sql.includes("'retired'"))!.version;
const KEY_STORAGE_MIGRATION = SQLITE_MIGRATIONS.find((m) => m.sql.includes('key_storage'))!.version;
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import type { NewDevice, Store } from '../../../gateway/store/store.js';
import { hashInviteCode } from '../../../gateway/enroll/ids.js';

const evidence = { platform: 'linux', osRelease: '6.1', arch: 'x64', appVersion: '0.1.0', buildId: 'dev', packaged: false, machineIdHash: 'A'.repeat(43), diskEncryption: 'on', debugger: false, keyStorage: 'keychain' } as const;
const jwk = { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) } as const;
let n = 0;
const device = (): NewDevice => ({ id: `dev_${String(++n).padStart(22, '0')}`, publicJwk: jwk, jkt: `jkt${n}`.padEnd(43, 'k'), evidence });
const now = () => Math.floor(Date.now() / 1000);

describe('SQLite store', () => {
  let dir: string;
  let path: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-store-'));
    path = join(dir, 'airlock.db');
    store = openSqliteStore(path);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function invite(code: string, devices = 1, expiresInMs = 60_000) {
    return store.createInvite(
      { id: `inv_${code.padEnd(8, 'x')}`, email: 'a@example.com', codeHash: hashInviteCode(code), expiresAt: new Date(Date.now() + expiresInMs).toISOString(), deviceLimit: devices },
      { type: 'admin.invite.create', actor: 'admin', subject: 'a@example.com' },
    );
  }
  async function enroll(code: string, nonce: string) {
    const inv = await store.findInviteByCodeHash(hashInviteCode(code));
    await store.createChallenge({ nonce, inviteId: inv!.id, expiresAt: now() + 120 });
    return store.enrollDevice({ challengeNonce: nonce, codeHash: hashInviteCode(code), device: device(), now: now() }, (d) => ({ type: 'enrollment', actor: `device:${d.id}`, subject: d.tester }));
  }

  it('uses WAL with synchronous FULL and records its migrations once', async () => {
    await store.close();
    store = openSqliteStore(path);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual(SQLITE_MIGRATIONS.map((m) => m.version));
    db.close();
  });

  it('refuses a store a newer gateway has migrated, saying what to do, and leaves it as it was', async () => {
    await store.close();
    const newer = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version)) + 1;
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(newer, new Date().toISOString());
    db.close();
    expect(() => openSqliteStore(path)).toThrow(`schema version ${newer}, newer than this gateway knows (${newer - 1}); run the newer gateway, or restore a backup taken before the upgrade`);
    const after = new Database(path);
    expect(after.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(newer);
    after.prepare('DELETE FROM schema_migrations WHERE version = ?').run(newer);
    after.close();
    store = openSqliteStore(path); // for afterEach, once the newer row is gone
  });

  it('keeps every device row when the retire migration widens the status CHECK for retired devices', async () => {
    const inv = await invite('migrate', 2);
    const first = await enroll('migrate', 'n-migrate-1');
    if (!first.ok) throw new Error('enrollment failed');
    await store.revokeDevice(first.device.id, 'lost', { type: 'admin.device.revoke', actor: 'admin', subject: first.device.id });
    await store.close();
    // Back to a version-2 database holding that row, as a gateway released before retire left it.
    const db = new Database(path);
    // (Its devices table predates key_storage too: the TPM migration runs again after the retire one.)
    db.exec(`DELETE FROM schema_migrations WHERE version IN (${RETIRE_MIGRATION}, ${KEY_STORAGE_MIGRATION});
      CREATE TABLE devices_v2 AS SELECT * FROM devices; DROP TABLE devices;
      CREATE TABLE devices (id TEXT PRIMARY KEY, tester TEXT NOT NULL REFERENCES testers(email), invite_id TEXT NOT NULL REFERENCES invites(id), public_jwk TEXT NOT NULL, jkt TEXT NOT NULL UNIQUE, evidence TEXT NOT NULL, platform TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('active', 'revoked')), enrolled_at TEXT NOT NULL, last_seen_at TEXT, revoked_at TEXT, revoked_reason TEXT);
      INSERT INTO devices SELECT id, tester, invite_id, public_jwk, jkt, evidence, platform, status, enrolled_at, last_seen_at, revoked_at, revoked_reason FROM devices_v2; DROP TABLE devices_v2;`);
    expect(() => db.prepare("UPDATE devices SET status = 'retired'").run()).toThrow(/CHECK/);
    db.close();
    store = openSqliteStore(path);
    expect(await store.getDevice(first.device.id)).toMatchObject({ status: 'revoked', revokedReason: 'lost', inviteId: inv.id });
    const second = await enroll('migrate', 'n-migrate-2');
    if (!second.ok) throw new Error('enrollment failed');
    expect((await store.retireDevice(second.device.id, { type: 'device.retire', actor: `device:${second.device.id}`, subject: 'a@example.com' }))?.device.status).toBe('retired');
  });

  it('enrolls within the invite\'s limit, then refuses with invite_used / device_limit', async () => {
    await invite('one');
    expect((await enroll('one', 'n1')).ok).toBe(true);
    expect(await enroll('one', 'n2')).toMatchObject({ ok: false, code: 'invite_used' });
    await invite('two', 2);
    expect((await enroll('two', 'n3')).ok).toBe(true);
    expect((await enroll('two', 'n4')).ok).toBe(true);
    expect(await enroll('two', 'n5')).toMatchObject({ ok: false, code: 'device_limit' });
    expect((await store.getInvite('inv_twoxxxxx'))!.status).toBe('used');
  });

  it('consumes a challenge once and binds it to its invite', async () => {
    await invite('aaa', 3);
    await invite('bbb', 3);
    const inv = await store.findInviteByCodeHash(hashInviteCode('aaa'));
    await store.createChallenge({ nonce: 'nonce-a', inviteId: inv!.id, expiresAt: now() + 120 });
    const attempt = (code: string) => store.enrollDevice({ challengeNonce: 'nonce-a', codeHash: hashInviteCode(code), device: device(), now: now() }, (d) => ({ type: 'enrollment', actor: d.id, subject: d.tester }));
    expect(await attempt('bbb')).toMatchObject({ ok: false, code: 'attestation_invalid' });
    // the wrong-invite attempt used the nonce up
    expect(await attempt('aaa')).toMatchObject({ ok: false, code: 'attestation_invalid' });
  });

  it('refuses an expired challenge', async () => {
    await invite('exp');
    const inv = await store.findInviteByCodeHash(hashInviteCode('exp'));
    await store.createChallenge({ nonce: 'old', inviteId: inv!.id, expiresAt: now() - 1 });
    expect(await store.enrollDevice({ challengeNonce: 'old', codeHash: hashInviteCode('exp'), device: device(), now: now() }, (d) => ({ type: 'e', actor: d.id, subject: d.tester }))).toMatchObject({ ok: false, code: 'attestation_invalid' });
  });

  it('writes each change and its audit entry together, and the chain verifies', async () => {
    await invite('ccc', 2);
    const enrolled = await enroll('ccc', 'n');
    if (!enrolled.ok) throw new Error(enrolled.message);
    const revoked = await store.revokeDevice(enrolled.device.id, 'lost', { type: 'admin.device.revoke', actor: 'admin', subject: enrolled.device.id });
    expect(revoked).toMatchObject({ changed: true, device: { status: 'revoked', revokedReason: 'lost' } });
    expect((await store.revokeDevice(enrolled.device.id, 'again', { type: 'admin.device.revoke', actor: 'admin', subject: enrolled.device.id }))!.changed).toBe(false);
    const tail = await store.auditTail(10);
    expect(tail.map((e) => e.type)).toEqual(['admin.invite.create', 'enrollment', 'admin.device.revoke']);
    expect(tail[1]!.prevHash).toBe(tail[0]!.hash);
    expect(await store.auditVerify()).toEqual({ ok: true, entries: 3, firstBad: null, reason: null, head: { seq: 3, hash: tail[2]!.hash } });
  });

  it('rolls the audit entry back with a failed change (no entry for a change that did not happen)', async () => {
    await invite('ddd');
    await expect(invite('ddd')).rejects.toThrow();
    expect((await store.auditTail(10)).length).toBe(1);
    await store.appendAudit({ type: 'x', actor: 'a', subject: 's' });
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('continues the chain across a reopen', async () => {
    await store.appendAudit({ type: 'one', actor: 'a', subject: 's' });
    await store.close();
    store = openSqliteStore(path);
    await store.appendAudit({ type: 'two', actor: 'a', subject: 's', details: { b: 1, a: [2, { d: 3, c: 4 }] } });
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
    expect((await store.auditTail(1))[0]!.details).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
  });

  it('suspends a tester and revokes all their active devices in one change', async () => {
    await invite('eee', 3);
    const a = await enroll('eee', 'n1');
    const b = await enroll('eee', 'n2');
    const result = await store.suspendTester('a@example.com', 'left', { type: 'admin.tester.suspend', actor: 'admin', subject: 'a@example.com' });
    expect(result!.tester.status).toBe('suspended');
    expect(result!.devicesRevoked.sort()).toEqual([a.ok && a.device.id, b.ok && b.device.id].sort());
    expect(await store.suspendTester('nobody@example.com', 'x', { type: 't', actor: 'admin', subject: 'x' })).toBeNull();
    expect(await enroll('eee', 'n3')).toMatchObject({ ok: false, code: 'tester_suspended' });
  });

  it('counts token usage per tester per UTC day', async () => {
    const day = new Date('2026-05-01T23:59:00Z');
    await store.addTokenUsage('a@example.com', 100, day);
    await store.addTokenUsage('a@example.com', 50, day);
    await store.addTokenUsage('a@example.com', 7, new Date('2026-05-02T00:01:00Z'));
    expect(await store.tokensUsedToday('a@example.com', day)).toBe(150);
    expect(await store.tokensUsedToday('a@example.com', new Date('2026-05-02T12:00:00Z'))).toBe(7);
    expect(await store.tokensUsedToday('b@example.com', day)).toBe(0);
  });
});
