/**
 * The store contract: one suite of behaviours every `Store` implementation must show, run against
 * SQLite (sqlite.test.ts) and a real PostgreSQL (postgres.test.ts). A backend plugs in through a
 * harness: a fresh, empty database per call, opened (and re-opened) with an injected clock, plus
 * the backend-specific SQL a tamper test needs.
 */
import { describe, expect, it } from 'vitest';
import type { AuditInput, DeviceRecord, NewDevice, Store } from '../../../gateway/store/store.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import type { AdmittedBuild } from '../../../gateway/release/admit-manifest.js';

export interface StoreHarness {
  /** Opens the harness's database (again, after `close()`, to check durability). */
  open(now: () => Date): Promise<Store>;
  /** Rewrites an audit entry's details behind the store's back (bypassing append-only guards). */
  tamperAudit(seq: number, details: string): Promise<void>;
  /** Runs an UPDATE of the audit table as any other client would; should be refused. */
  rawAuditUpdate(): Promise<void>;
  dispose(): Promise<void>;
}

export type HarnessFactory = () => Promise<StoreHarness>;

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

class Clock {
  ms = T0;
  now = (): Date => new Date(this.ms);
  get seconds(): number {
    return Math.floor(this.ms / 1000);
  }
}

const audit = (type: string, subject = 'x'): AuditInput => ({ type, actor: 'admin', subject, details: { z: 1, a: [2, { c: 3, b: 4 }] } });

let counter = 0;
function newDevice(platform: Evidence['platform'] = 'linux'): NewDevice {
  counter++;
  const tag = String(counter).padStart(4, '0');
  const b = (c: string): string => c.repeat(43).slice(0, 43);
  return {
    id: `dev_contract${tag}${'a'.repeat(8)}`,
    publicJwk: { kty: 'EC', crv: 'P-256', x: b(`X${tag}`), y: b(`Y${tag}`) },
    jkt: `jkt-${tag}-${Math.random().toString(36).slice(2)}`,
    evidence: {
      platform,
      osRelease: '6.1.0',
      arch: 'x64',
      appVersion: '1.2.3',
      buildId: 'dev',
      packaged: false,
      machineIdHash: b('m'),
      diskEncryption: 'on',
      debugger: false,
      keyStorage: 'keychain',
    },
  };
}

export function storeContract(backend: string, factory: HarnessFactory): void {
  describe(`store contract: ${backend}`, () => {
    async function setup(): Promise<{ store: Store; clock: Clock; harness: StoreHarness; done: () => Promise<void> }> {
      const harness = await factory();
      const clock = new Clock();
      const store = await harness.open(clock.now);
      return {
        store,
        clock,
        harness,
        done: async () => {
          await store.close();
          await harness.dispose();
        },
      };
    }

    async function invite(store: Store, clock: Clock, opts: { email?: string; limit?: number; ttlMs?: number; id?: string } = {}) {
      counter++;
      const id = opts.id ?? `inv_contract${String(counter).padStart(4, '0')}`;
      return store.createInvite(
        {
          id,
          email: opts.email ?? 'ada@example.com',
          codeHash: `hash-${id}`,
          expiresAt: new Date(clock.ms + (opts.ttlMs ?? 3_600_000)).toISOString(),
          deviceLimit: opts.limit ?? 1,
        },
        audit('invite.create', id),
      );
    }

    async function enroll(store: Store, clock: Clock, inviteId: string, codeHash: string, device = newDevice()) {
      const nonce = `nonce-${Math.random().toString(36).slice(2)}`;
      await store.createChallenge({ nonce, inviteId, expiresAt: clock.seconds + 120 });
      return store.enrollDevice({ challengeNonce: nonce, codeHash, device, now: clock.seconds }, (d: DeviceRecord) => audit('device.enroll', d.id));
    }

    it('creates, finds, lists and revokes invites', async () => {
      const { store, clock, done } = await setup();
      try {
        const a = await invite(store, clock, { id: 'inv_contract_b_0001', limit: 3 });
        expect(a).toMatchObject({ email: 'ada@example.com', status: 'pending', devicesUsed: 0, deviceLimit: 3, createdAt: clock.now().toISOString() });
        clock.ms += 1000;
        const b = await invite(store, clock, { id: 'inv_contract_a_0002', email: 'bob@example.com' });
        expect(await store.getInvite(a.id)).toEqual(a);
        expect(await store.findInviteByCodeHash(b.codeHash)).toEqual(b);
        expect(await store.findInviteByCodeHash('nope')).toBeNull();
        expect(await store.getInvite('inv_missing000')).toBeNull();
        expect((await store.listInvites()).map((i) => i.id)).toEqual([a.id, b.id]);
        expect(await store.revokeInvite(a.id, audit('invite.revoke'))).toMatchObject({ id: a.id, status: 'revoked' });
        expect(await store.revokeInvite('inv_missing000', audit('invite.revoke'))).toBeNull();
        expect((await store.auditTail(10)).map((e) => e.type)).toEqual(['invite.create', 'invite.create', 'invite.revoke']);
        // One entry by its sequence number (the CLI checks an admin answer's proof with it).
        const last = (await store.auditTail(1))[0]!;
        expect(await store.auditEntry(last.seq)).toEqual(last);
        expect(await store.auditEntry(last.seq + 1000)).toBeNull();
      } finally {
        await done();
      }
    });

    it('enrolls a device through a challenge: tester made, invite counted, audit appended', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 2 });
        const device = newDevice('darwin');
        const outcome = await enroll(store, clock, inv.id, inv.codeHash, device);
        expect(outcome.ok).toBe(true);
        if (!outcome.ok) return;
        expect(outcome.device).toEqual({
          id: device.id,
          tester: 'ada@example.com',
          inviteId: inv.id,
          publicJwk: device.publicJwk,
          jkt: device.jkt,
          evidence: device.evidence,
          platform: 'darwin',
          status: 'active',
          enrolledAt: clock.now().toISOString(),
          lastSeenAt: null,
          revokedAt: null,
          revokedReason: null,
          keyStorage: 'keychain',
        });
        expect(await store.getDevice(device.id)).toEqual(outcome.device);
        expect(await store.getInvite(inv.id)).toMatchObject({ devicesUsed: 1, status: 'pending' });
        expect(await store.getTester('ada@example.com')).toEqual({ email: 'ada@example.com', status: 'active', createdAt: clock.now().toISOString(), devices: 1 });
        const second = await enroll(store, clock, inv.id, inv.codeHash);
        expect(second.ok).toBe(true);
        expect(await store.getInvite(inv.id)).toMatchObject({ devicesUsed: 2, status: 'used' });
        expect((await store.getTester('ada@example.com'))?.devices).toBe(2);
        expect((await store.auditTail(1))[0]).toMatchObject({ type: 'device.enroll', subject: second.ok ? second.device.id : '' });
      } finally {
        await done();
      }
    });

    it('keeps the key storage verified at enrollment: tpm only when the enrollment says so', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 2 });
        const tpm = await enroll(store, clock, inv.id, inv.codeHash, { ...newDevice(), keyStorage: 'tpm' });
        const plain = await enroll(store, clock, inv.id, inv.codeHash);
        if (!tpm.ok || !plain.ok) throw new Error('enrollment failed');
        expect(tpm.device.keyStorage).toBe('tpm');
        expect((await store.getDevice(tpm.device.id))?.keyStorage).toBe('tpm');
        expect((await store.getDevice(plain.device.id))?.keyStorage).toBe('keychain');
        expect((await store.listDevices()).map((d) => d.keyStorage).sort()).toEqual(['keychain', 'tpm']);
      } finally {
        await done();
      }
    });

    it('refuses enrollments with the codes of PROTOCOL.md, consuming the nonce each time', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 1 });
        const other = await invite(store, clock, { email: 'bob@example.com' });

        // Unknown nonce; a nonce for another invite; a nonce used twice; an expired nonce.
        const unknown = await store.enrollDevice({ challengeNonce: 'never-issued', codeHash: inv.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id));
        expect(unknown).toMatchObject({ ok: false, code: 'attestation_invalid' });
        await store.createChallenge({ nonce: 'for-other', inviteId: other.id, expiresAt: clock.seconds + 120 });
        expect(await store.enrollDevice({ challengeNonce: 'for-other', codeHash: inv.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'attestation_invalid' });
        expect(await store.enrollDevice({ challengeNonce: 'for-other', codeHash: other.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'attestation_invalid' });
        await store.createChallenge({ nonce: 'stale', inviteId: inv.id, expiresAt: clock.seconds + 120 });
        expect(await store.enrollDevice({ challengeNonce: 'stale', codeHash: inv.codeHash, device: newDevice(), now: clock.seconds + 121 }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'attestation_invalid' });
        // A nonce whose attempt was refused before the store (issue 12, hole 7) is discarded, unused.
        await store.createChallenge({ nonce: 'discarded', inviteId: inv.id, expiresAt: clock.seconds + 120 });
        await store.discardChallenge('discarded');
        await store.discardChallenge('never-issued');
        expect(await store.enrollDevice({ challengeNonce: 'discarded', codeHash: inv.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'attestation_invalid' });

        // Used once, then: invite_used (one-device invite).
        const device = newDevice();
        expect((await enroll(store, clock, inv.id, inv.codeHash, device)).ok).toBe(true);
        expect(await enroll(store, clock, inv.id, inv.codeHash)).toMatchObject({ ok: false, code: 'invite_used' });

        // A full several-device invite: device_limit; the same key twice: attestation_invalid.
        const two = await invite(store, clock, { email: 'cy@example.com', limit: 2 });
        expect(await enroll(store, clock, two.id, two.codeHash, device)).toMatchObject({ ok: false, code: 'attestation_invalid' });
        expect((await enroll(store, clock, two.id, two.codeHash)).ok).toBe(true);
        expect((await enroll(store, clock, two.id, two.codeHash)).ok).toBe(true);
        expect(await enroll(store, clock, two.id, two.codeHash)).toMatchObject({ ok: false, code: 'device_limit' });

        // Revoked and expired invites.
        const revoked = await invite(store, clock, { email: 'dee@example.com' });
        await store.revokeInvite(revoked.id, audit('invite.revoke'));
        expect(await enroll(store, clock, revoked.id, revoked.codeHash)).toMatchObject({ ok: false, code: 'invite_revoked' });
        const expiring = await invite(store, clock, { email: 'eve@example.com', ttlMs: 60_000 });
        await store.createChallenge({ nonce: 'late', inviteId: expiring.id, expiresAt: clock.seconds + 600 });
        clock.ms += 61_000;
        expect(await store.enrollDevice({ challengeNonce: 'late', codeHash: expiring.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'invite_expired' });
        expect(await store.enrollDevice({ challengeNonce: 'late', codeHash: expiring.codeHash, device: newDevice(), now: clock.seconds }, (d) => audit('e', d.id))).toMatchObject({ ok: false, code: 'attestation_invalid' });

        // A suspended tester cannot enroll with a fresh invite.
        await store.suspendTester('ada@example.com', 'left', audit('tester.suspend'));
        const again = await invite(store, clock, { email: 'ada@example.com' });
        expect(await enroll(store, clock, again.id, again.codeHash)).toMatchObject({ ok: false, code: 'tester_suspended' });
        expect((await store.getInvite(again.id))?.devicesUsed).toBe(0);
      } finally {
        await done();
      }
    });

    it('lets only one of two racing enrollments take the last place on an invite', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 1 });
        const outcomes = await Promise.all([enroll(store, clock, inv.id, inv.codeHash), enroll(store, clock, inv.id, inv.codeHash), enroll(store, clock, inv.id, inv.codeHash)]);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.code))).toEqual(['invite_used', 'invite_used']);
        expect(await store.getInvite(inv.id)).toMatchObject({ devicesUsed: 1, status: 'used' });
        expect((await store.listDevices()).length).toBe(1);
      } finally {
        await done();
      }
    });

    it('lists, touches and revokes devices, once', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 5 });
        const first = await enroll(store, clock, inv.id, inv.codeHash);
        clock.ms += 1000;
        const second = await enroll(store, clock, inv.id, inv.codeHash);
        if (!first.ok || !second.ok) throw new Error('enrollment failed');
        expect((await store.listDevices()).map((d) => d.id)).toEqual([first.device.id, second.device.id]);
        const seen = new Date(clock.ms + 5000).toISOString();
        await store.touchDevice(first.device.id, seen);
        expect((await store.getDevice(first.device.id))?.lastSeenAt).toBe(seen);
        clock.ms += 10_000;
        const auditBefore = (await store.auditTail(1000)).length;
        const revoked = await store.revokeDevice(first.device.id, 'lost laptop', audit('device.revoke', first.device.id));
        expect(revoked).toMatchObject({ changed: true, device: { status: 'revoked', revokedAt: clock.now().toISOString(), revokedReason: 'lost laptop' } });
        const again = await store.revokeDevice(first.device.id, 'twice', audit('device.revoke', first.device.id));
        expect(again).toMatchObject({ changed: false, device: { status: 'revoked', revokedReason: 'lost laptop' } });
        expect((await store.auditTail(1000)).length).toBe(auditBefore + 1);
        expect(await store.revokeDevice('dev_missing000000000000', 'r', audit('device.revoke'))).toBeNull();
        expect(await store.getDevice('dev_missing000000000000')).toBeNull();
        expect((await store.getDevice(second.device.id))?.status).toBe('active');
      } finally {
        await done();
      }
    });

    it('retires an active device once, with its audit entry; a revoked device stays revoked', async () => {
      const { store, clock, done } = await setup();
      try {
        const inv = await invite(store, clock, { limit: 5 });
        const first = await enroll(store, clock, inv.id, inv.codeHash);
        const second = await enroll(store, clock, inv.id, inv.codeHash);
        if (!first.ok || !second.ok) throw new Error('enrollment failed');
        const auditBefore = (await store.auditTail(1000)).length;
        const retired = await store.retireDevice(first.device.id, audit('device.retire', first.device.id));
        expect(retired).toMatchObject({ changed: true, device: { status: 'retired', revokedAt: clock.now().toISOString() } });
        expect((await store.retireDevice(first.device.id, audit('device.retire', first.device.id)))?.changed).toBe(false);
        expect((await store.revokeDevice(first.device.id, 'late', audit('device.revoke', first.device.id)))?.changed).toBe(false);
        await store.revokeDevice(second.device.id, 'lost', audit('device.revoke', second.device.id));
        expect(await store.retireDevice(second.device.id, audit('device.retire', second.device.id))).toMatchObject({ changed: false, device: { status: 'revoked' } });
        expect((await store.auditTail(1000)).map((e) => e.type).slice(auditBefore)).toEqual(['device.retire', 'device.revoke']);
        expect(await store.retireDevice('dev_missing000000000000', audit('device.retire'))).toBeNull();
        expect((await store.listDevices()).map((d) => d.status)).toEqual(['retired', 'revoked']);
      } finally {
        await done();
      }
    });

    it('suspends a tester with all their active devices, and lists testers', async () => {
      const { store, clock, done } = await setup();
      try {
        const ada = await invite(store, clock, { limit: 3 });
        const bob = await invite(store, clock, { email: 'bob@example.com' });
        const d1 = await enroll(store, clock, ada.id, ada.codeHash);
        const d2 = await enroll(store, clock, ada.id, ada.codeHash);
        const d3 = await enroll(store, clock, bob.id, bob.codeHash);
        if (!d1.ok || !d2.ok || !d3.ok) throw new Error('enrollment failed');
        await store.revokeDevice(d1.device.id, 'old', audit('device.revoke'));
        const result = await store.suspendTester('ada@example.com', 'contract ended', audit('tester.suspend', 'ada@example.com'));
        expect(result).toEqual({ tester: { email: 'ada@example.com', status: 'suspended', createdAt: expect.any(String), devices: 2 }, devicesRevoked: [d2.device.id] });
        expect((await store.getDevice(d2.device.id))).toMatchObject({ status: 'revoked', revokedReason: 'contract ended' });
        expect((await store.getDevice(d1.device.id))?.revokedReason).toBe('old');
        expect((await store.getDevice(d3.device.id))?.status).toBe('active');
        expect(JSON.parse((await store.auditTail(1))[0]!.details)).toMatchObject({ devicesRevoked: [d2.device.id] });
        expect(await store.suspendTester('nobody@example.com', 'r', audit('tester.suspend'))).toBeNull();
        expect(await store.getTester('nobody@example.com')).toBeNull();
        expect((await store.listTesters()).map((t) => [t.email, t.status, t.devices])).toEqual([
          ['ada@example.com', 'suspended', 2],
          ['bob@example.com', 'active', 1],
        ]);
      } finally {
        await done();
      }
    });

    it('resumes a suspended tester once (issue 13); their revoked devices stay revoked', async () => {
      const { store, clock, done } = await setup();
      try {
        const ada = await invite(store, clock);
        const d1 = await enroll(store, clock, ada.id, ada.codeHash);
        if (!d1.ok) throw new Error('enrollment failed');
        await store.suspendTester('ada@example.com', 'paused', audit('tester.suspend'));
        expect(await store.resumeTester('ada@example.com', audit('tester.resume', 'ada@example.com'))).toMatchObject({ changed: true, tester: { status: 'active' } });
        expect((await store.auditTail(1))[0]).toMatchObject({ type: 'tester.resume', subject: 'ada@example.com' });
        expect(await store.resumeTester('ada@example.com', audit('tester.resume'))).toMatchObject({ changed: false, tester: { status: 'active' } });
        expect((await store.auditTail(1))[0]?.type).toBe('tester.resume');
        expect((await store.auditVerify()).ok).toBe(true);
        expect((await store.getDevice(d1.device.id))?.status).toBe('revoked');
        expect(await store.resumeTester('nobody@example.com', audit('tester.resume'))).toBeNull();
      } finally {
        await done();
      }
    });

    it('creates, lists and removes locks with their audit entries (issue 13), durably', async () => {
      const harness = await factory();
      const clock = new Clock();
      try {
        let store = await harness.open(clock.now);
        const lock = await store.createLock(
          { id: 'lck_contract0001', targetKind: 'tester', target: 'ada@example.com', message: 'paused', note: 'n', wipeHistory: false, expiresAt: new Date(clock.ms + 3_600_000).toISOString(), createdBy: 'admin:root' },
          audit('admin.lock.create', 'ada@example.com'),
        );
        expect(lock).toEqual({ id: 'lck_contract0001', targetKind: 'tester', target: 'ada@example.com', message: 'paused', note: 'n', wipeHistory: false, createdAt: clock.now().toISOString(), createdBy: 'admin:root', expiresAt: new Date(clock.ms + 3_600_000).toISOString(), removedAt: null, removedBy: null });
        await store.createLock({ id: 'lck_contract0002', targetKind: 'device', target: 'dev_x', message: null, note: null, wipeHistory: true, expiresAt: null, createdBy: 'admin:root' }, audit('admin.lock.create', 'dev_x'));
        await store.close();
        store = await harness.open(clock.now);
        expect((await store.listLocks()).map((l) => [l.id, l.wipeHistory])).toEqual([['lck_contract0001', false], ['lck_contract0002', true]]);
        clock.ms += 1000;
        const removed = await store.removeLock('lck_contract0001', 'admin:alice', audit('admin.lock.remove', 'lck_contract0001'));
        expect(removed).toMatchObject({ changed: true, lock: { id: 'lck_contract0001', removedAt: clock.now().toISOString(), removedBy: 'admin:alice' } });
        expect((await store.removeLock('lck_contract0001', 'admin:alice', audit('admin.lock.remove')))?.changed).toBe(false);
        expect(await store.removeLock('lck_missing00000', 'admin:alice', audit('admin.lock.remove'))).toBeNull();
        expect((await store.listLocks()).map((l) => l.id)).toEqual(['lck_contract0002']);
        expect((await store.auditTail(3)).map((e) => e.type)).toEqual(['admin.lock.create', 'admin.lock.create', 'admin.lock.remove']);
        expect((await store.auditVerify()).ok).toBe(true);
        await store.close();
      } finally {
        await harness.dispose();
      }
    });

    it('reads audit entries of some types since a time, of one actor when asked (usage, device show)', async () => {
      const { store, clock, done } = await setup();
      try {
        await store.appendAudit({ type: 'model.call', actor: 'device:dev_a', subject: 'm', details: { promptTokens: 1 } });
        clock.ms += 60_000;
        const since = clock.now().toISOString();
        await store.appendAudit({ type: 'model.call', actor: 'device:dev_a', subject: 'm', details: { promptTokens: 2 } });
        await store.appendAudit({ type: 'refusal', actor: 'device:dev_b', subject: 'POST /v1/session', details: {} });
        await store.appendAudit({ type: 'session', actor: 'device:dev_a', subject: 'ada@example.com', details: {} });
        expect((await store.auditSince(since, ['model.call', 'refusal'])).map((e) => [e.type, e.actor])).toEqual([['model.call', 'device:dev_a'], ['refusal', 'device:dev_b']]);
        expect((await store.auditSince(since, ['model.call', 'session'], 'device:dev_a')).map((e) => e.type)).toEqual(['model.call', 'session']);
        expect(await store.auditSince(since, [])).toEqual([]);
        expect(await store.auditSince(clock.now().toISOString().replace('2030', '2031'), ['model.call'])).toEqual([]);
      } finally {
        await done();
      }
    });

    it('keeps one verifiable audit chain, detects tampering and refuses rewrites', async () => {
      const { store, clock, harness, done } = await setup();
      try {
        const entries = [];
        for (let i = 0; i < 25; i++) {
          clock.ms += 7;
          entries.push(await store.appendAudit(audit(`t${i}`, `s${i}`)));
        }
        expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
        expect(entries[0]!.prevHash).toBe('0'.repeat(64));
        expect(entries[1]!.prevHash).toBe(entries[0]!.hash);
        expect(entries[0]!.details).toBe('{"a":[2,{"b":4,"c":3}],"z":1}');
        expect(entries[3]!.time).toBe(new Date(Date.parse('2030-01-01T00:00:00.000Z') + 28).toISOString());
        expect(await store.auditTail(3)).toEqual(entries.slice(-3));
        const head = { seq: 25, hash: entries[24]!.hash };
        expect(await store.auditVerify()).toEqual({ ok: true, entries: 25, firstBad: null, reason: null, head });
        // The head as an anchor: present and unchanged verifies; one the log never reached does not.
        expect(await store.auditVerify(head)).toMatchObject({ ok: true });
        expect(await store.auditVerify({ seq: 24, hash: head.hash })).toMatchObject({ ok: false, firstBad: 24 });
        expect(await store.auditVerify({ seq: 26, hash: head.hash })).toMatchObject({ ok: false, firstBad: 26, reason: expect.stringMatching(/cut off the end/) });
        // Concurrent appends still make one chain.
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendAudit(audit(`c${i}`))));
        expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 45 });

        await expect(harness.rawAuditUpdate()).rejects.toThrow(/append-only/);
        await harness.tamperAudit(10, '{"a":1}');
        const verdict = await store.auditVerify();
        expect(verdict).toMatchObject({ ok: false, firstBad: 10 });
        expect(verdict.reason).toMatch(/modified/);
      } finally {
        await done();
      }
    });

    it('pages the audit log newest first, filtered by type prefix, text and time', async () => {
      const { store, clock, done } = await setup();
      try {
        for (let i = 0; i < 6; i++) {
          clock.ms = T0 + i * 60_000;
          await store.appendAudit({ type: i % 2 ? 'model.call' : 'admin.device.revoke', actor: i < 3 ? 'device:dev_a' : 'device:dev_b', subject: 'm', details: { tester: i === 5 ? 'ada@example.com' : 'bob@example.com' } });
        }
        const seqs = (entries: { seq: number }[]) => entries.map((e) => e.seq);
        expect(seqs(await store.auditQuery({ limit: 4 }))).toEqual([6, 5, 4, 3]);
        expect(seqs(await store.auditQuery({ limit: 4, beforeSeq: 3 }))).toEqual([2, 1]);
        expect(seqs(await store.auditQuery({ limit: 10, typePrefix: 'admin.' }))).toEqual([5, 3, 1]);
        expect(seqs(await store.auditQuery({ limit: 10, typePrefix: 'model.call' }))).toEqual([6, 4, 2]);
        expect(seqs(await store.auditQuery({ limit: 10, text: 'dev_b' }))).toEqual([6, 5, 4]);
        expect(seqs(await store.auditQuery({ limit: 10, text: 'ada@example.com' }))).toEqual([6]);
        // A LIKE wildcard is plain text here.
        expect(await store.auditQuery({ limit: 10, text: '%' })).toEqual([]);
        const at = (i: number) => new Date(T0 + i * 60_000).toISOString();
        expect(seqs(await store.auditQuery({ limit: 10, since: at(2), until: at(4) }))).toEqual([4, 3]);
        const [entry] = await store.auditQuery({ limit: 1 });
        expect(entry).toEqual((await store.auditTail(1))[0]);
      } finally {
        await done();
      }
    });

    it('counts tokens per tester per UTC day', async () => {
      const { store, done } = await setup();
      try {
        const day = new Date('2030-03-04T23:59:00.000Z');
        await store.addTokenUsage('ada@example.com', 100, day);
        await store.addTokenUsage('ada@example.com', 50, new Date('2030-03-04T00:00:00.000Z'));
        await store.addTokenUsage('bob@example.com', 7, day);
        await store.addTokenUsage('ada@example.com', 1, new Date('2030-03-05T00:00:00.000Z'));
        expect(await store.tokensUsedToday('ada@example.com', day)).toBe(150);
        expect(await store.tokensUsedToday('bob@example.com', day)).toBe(7);
        expect(await store.tokensUsedToday('ada@example.com', new Date('2030-03-05T12:00:00.000Z'))).toBe(1);
        expect(await store.tokensUsedToday('cy@example.com', day)).toBe(0);
      } finally {
        await done();
      }
    });

    it('admits release builds once per key, with the audit entry, and keeps them in order', async () => {
      const { store, done } = await setup();
      try {
        const build = (id: string, kid: string): AdmittedBuild => ({ buildId: id.repeat(64).slice(0, 64), version: '1.2.3', platform: 'linux', arch: 'x64', kid, createdAt: '2030-01-01T00:00:00.000Z' });
        const first = build('a', 'kid-one');
        const second = build('b', 'kid-one');
        expect(await store.listReleases()).toEqual([]);
        expect(await store.addRelease({ manifest: 'jws-1', builds: [first] }, audit('release.add', first.buildId))).toEqual({ added: 1 });
        // The same build under the same key again: nothing new. Under another key: a second row.
        expect(await store.addRelease({ manifest: 'jws-1', builds: [first] }, audit('release.add', first.buildId))).toEqual({ added: 0 });
        const otherKey = { ...first, kid: 'kid-two' };
        expect(await store.addRelease({ manifest: 'jws-2', builds: [otherKey, second] }, audit('release.add', 'two'))).toEqual({ added: 2 });
        expect(await store.listReleases()).toEqual([first, otherKey, second]);
        const tail = await store.auditTail(3);
        expect(tail.map((e) => [e.type, (JSON.parse(e.details) as { added: number }).added])).toEqual([['release.add', 1], ['release.add', 0], ['release.add', 2]]);
        expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 3 });
      } finally {
        await done();
      }
    });

    it('keeps everything across close and reopen, and the chain continues', async () => {
      const harness = await factory();
      const clock = new Clock();
      try {
        let store = await harness.open(clock.now);
        const inv = await invite(store, clock, { limit: 2 });
        const enrolled = await enroll(store, clock, inv.id, inv.codeHash);
        if (!enrolled.ok) throw new Error('enrollment failed');
        await store.addTokenUsage('ada@example.com', 42, clock.now());
        await store.close();
        store = await harness.open(clock.now);
        expect(await store.getDevice(enrolled.device.id)).toEqual(enrolled.device);
        expect(await store.tokensUsedToday('ada@example.com', clock.now())).toBe(42);
        const next = await store.appendAudit(audit('after-reopen'));
        expect(next.seq).toBe(3);
        expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 3 });
        await store.close();
      } finally {
        await harness.dispose();
      }
    });

    it('keeps answer traces (fingerprints and who the answer went to), finds their holders and deletes expired ones', async () => {
      const harness = await factory();
      try {
        const store = await harness.open(new Clock().now);
        const call = (callId: string, createdAt: string, fingerprints: number[]) => ({ callId, tester: 'ada@example.com', deviceId: `dev_${callId}`, model: 'demo', createdAt, fingerprints });
        // 48-bit fingerprints: the largest must come back exactly (BIGINT on PostgreSQL, not a float).
        const big = 2 ** 48 - 1;
        await store.addTraces([call('c1', '2030-01-01T00:00:00.000Z', [1, 2, big]), call('c2', '2030-01-05T00:00:00.000Z', [2, 3])]);
        // The same call traced again keeps the first fingerprints, in a later batch or the same one.
        await store.addTraces([call('c1', '2030-01-06T00:00:00.000Z', [99]), call('c3', '2030-01-06T00:00:00.000Z', [99]), call('c3', '2030-01-07T00:00:00.000Z', [98])]);
        const holders = await store.traceHolders([2, big, 99, 12345]);
        const seen = holders.map((h) => `${h.fingerprint}:${h.callId}`).sort();
        expect(seen).toEqual([`${big}:c1`, '2:c1', '2:c2', '99:c3'].sort());
        expect(holders.find((h) => h.callId === 'c2')).toMatchObject({ tester: 'ada@example.com', deviceId: 'dev_c2', model: 'demo', createdAt: '2030-01-05T00:00:00.000Z' });
        expect(await store.traceHolders([])).toEqual([]);
        // How many calls hold each fingerprint, exactly (BIGINT keys), fingerprints none holds left out.
        expect((await store.traceHolderCounts([2, big, 12345])).sort((x, y) => x.fingerprint - y.fingerprint)).toEqual([{ fingerprint: 2, holders: 2 }, { fingerprint: big, holders: 1 }]);
        expect(await store.deleteTracesBefore('2030-01-03T00:00:00.000Z')).toBe(1);
        expect((await store.traceHolders([1, 2, 3, big])).map((h) => `${h.fingerprint}:${h.callId}`).sort()).toEqual(['2:c2', '3:c2']);
        // The trace key's check value: the first claim is kept, a later one gets the stored value back.
        expect(await store.claimTraceKeyCheck('check-a')).toBe('check-a');
        expect(await store.claimTraceKeyCheck('check-b')).toBe('check-a');
        await store.close();
      } finally {
        await harness.dispose();
      }
    });

    it('counts devices, active devices and testers as listing them would', async () => {
      const { store, clock, done } = await setup();
      try {
        expect(await store.enrolmentCounts()).toEqual({ devices: 0, activeDevices: 0, testers: 0 });
        const ada = await invite(store, clock, { limit: 5 });
        const bob = await invite(store, clock, { email: 'bob@example.com' });
        const enrolled = [await enroll(store, clock, ada.id, ada.codeHash), await enroll(store, clock, ada.id, ada.codeHash), await enroll(store, clock, ada.id, ada.codeHash), await enroll(store, clock, bob.id, bob.codeHash)];
        const [revoked, retired] = enrolled.map((e) => (e.ok ? e.device.id : ''));
        await store.revokeDevice(revoked!, 'lost', audit('device.revoke', revoked));
        await store.retireDevice(retired!, audit('device.retire', retired));
        const [devices, testers] = [await store.listDevices(), await store.listTesters()];
        expect(await store.enrolmentCounts()).toEqual({ devices: devices.length, activeDevices: devices.filter((d) => d.status === 'active').length, testers: testers.length });
        expect(await store.enrolmentCounts()).toEqual({ devices: 4, activeDevices: 2, testers: 2 });
      } finally {
        await done();
      }
    });
  });
}
