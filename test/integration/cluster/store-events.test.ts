/**
 * The PostgreSQL store's part of the fan-out: a change that other instances must act on records
 * its cluster event in the change's own transaction, exactly once, and never for a no-op.
 */
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore, type PostgresStore } from '../../../gateway/store/postgres/postgres-store.js';
import { clusterEventsAfter } from '../../../gateway/cluster/publish.js';
import { openStore, isPostgresStore, redactStoreUrl, resolveStoreTarget } from '../../../gateway/cluster/open-store.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../../helpers/postgres.js';

let server: ThrowawayPostgres;
let url: string;
let store: PostgresStore;

beforeAll(async () => {
  server = await startThrowawayPostgres();
  url = await server.createDatabase('airlock_events');
  store = await openPostgresStore(url, { max: 2 });
});

afterAll(async () => {
  await store?.close();
  await server?.down();
});

async function device(tag: string, email: string): Promise<string> {
  const invite = await store.createInvite({ id: `inv_events${tag}`, email, codeHash: `h-${tag}`, expiresAt: new Date(Date.now() + 60_000).toISOString(), deviceLimit: 1 }, { type: 'i', actor: 'admin', subject: tag });
  const now = Math.floor(Date.now() / 1000);
  await store.createChallenge({ nonce: `n-${tag}`, inviteId: invite.id, expiresAt: now + 60 });
  const out = await store.enrollDevice(
    {
      challengeNonce: `n-${tag}`,
      codeHash: invite.codeHash,
      now,
      device: {
        id: `dev_events${tag}aaaaaaaaaaaa`,
        publicJwk: { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) },
        jkt: `jkt-${tag}`,
        evidence: { platform: 'linux', osRelease: '6', arch: 'x64', appVersion: '1.0.0', buildId: 'dev', packaged: false, machineIdHash: 'm'.repeat(43), diskEncryption: 'on', debugger: false, keyStorage: 'keychain' },
      },
    },
    (d) => ({ type: 'device.enroll', actor: 'gateway', subject: d.id }),
  );
  if (!out.ok) throw new Error(out.message);
  return out.device.id;
}

describe('PostgreSQL store: cluster events with the change', () => {
  it('records one event per revocation, suspension and policy change, none for a repeat or a refusal', async () => {
    const d1 = await device('0001', 'ada@example.com');
    const d2 = await device('0002', 'bob@example.com');
    await store.revokeDevice(d1, 'lost', { type: 'r', actor: 'admin', subject: d1 });
    await store.revokeDevice(d1, 'again', { type: 'r', actor: 'admin', subject: d1 });
    await store.revokeDevice('dev_missing0000000000000', 'x', { type: 'r', actor: 'admin', subject: 'x' });
    await store.suspendTester('bob@example.com', 'left', { type: 's', actor: 'admin', subject: 'bob@example.com' });
    await store.suspendTester('nobody@example.com', 'x', { type: 's', actor: 'admin', subject: 'x' });
    await store.publishPolicyChange({ type: 'admin.policy.reload', actor: 'admin', subject: 'policy' });
    expect(await clusterEventsAfter(store.pool, 0)).toEqual([
      { seq: 1, kind: 'device.revoked', deviceId: d1, reason: 'lost' },
      { seq: 2, kind: 'tester.suspended', tester: 'bob@example.com', reason: 'left' },
      { seq: 3, kind: 'policy.changed' },
    ]);
    expect((await store.getDevice(d2))?.status).toBe('revoked');
    expect((await store.auditTail(1))[0]?.type).toBe('admin.policy.reload');
  });

  it('rolls the event back with the change when the audit append fails', async () => {
    const d3 = await device('0003', 'cy@example.com');
    // details that cannot be serialised make the audit append throw inside the transaction
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(store.revokeDevice(d3, 'x', { type: 'r', actor: 'admin', subject: d3, details: cyclic })).rejects.toThrow();
    expect((await store.getDevice(d3))?.status).toBe('active');
    expect((await clusterEventsAfter(store.pool, 3)).length).toBe(0);
  });

  it('opens the store named by a URL or a data directory, and never prints the password', async () => {
    const opened = await openStore(url, { max: 1 });
    try {
      expect(isPostgresStore(opened)).toBe(true);
    } finally {
      await opened.close();
    }
    const dir = await mkdtemp(join(tmpdir(), 'airlock-open-'));
    try {
      const sqlite = await openStore(dir);
      expect(isPostgresStore(sqlite)).toBe(false);
      await sqlite.appendAudit({ type: 't', actor: 'admin', subject: 's' });
      await sqlite.close();
      expect((await stat(join(dir, 'airlock.db'))).isFile()).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(redactStoreUrl('postgres://u:secret@127.0.0.1:5432/db')).toBe('postgres://u:***@127.0.0.1:5432/db');
    const bad = new URL(url);
    bad.password = 'wrong-password';
    const failure = await openStore(bad.toString()).then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).not.toContain('wrong-password');
    expect((failure as Error).message).toMatch(/password authentication failed/);
  });

  it('takes the store from --store, else a private DATA/store.url, else the data dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-target-'));
    try {
      expect(await resolveStoreTarget(dir, undefined)).toBe(dir);
      await expect(resolveStoreTarget(dir, '/some/dir')).rejects.toThrow(/postgres:\/\//);
      expect(await resolveStoreTarget(dir, 'postgres://h/db')).toBe('postgres://h/db');
      await writeFile(join(dir, 'store.url'), 'postgresql://u:p@h/db\n', { mode: 0o600 });
      expect(await resolveStoreTarget(dir, undefined)).toBe('postgresql://u:p@h/db');
      expect(await resolveStoreTarget(dir, 'postgres://other/db')).toBe('postgres://other/db');
      await chmod(join(dir, 'store.url'), 0o644);
      await expect(resolveStoreTarget(dir, undefined)).rejects.toThrow(/group or others/);
      await writeFile(join(dir, 'store.url'), 'sqlite://nope\n', { mode: 0o600 });
      await chmod(join(dir, 'store.url'), 0o600);
      await expect(resolveStoreTarget(dir, undefined)).rejects.toThrow(/one postgres:\/\/ URL/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
