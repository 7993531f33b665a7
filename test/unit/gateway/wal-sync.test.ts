/**
 * The WAL's group fsync (gateway/audit/wal-sync.ts), issue 19: an eager waiter (a call's start
 * record) starts a sync at once; patient ones (end entries, token usage) share the next sync
 * anyone starts, or start one themselves after patientMs; close() serves whoever waits at once.
 * The fdatasync is counted through the injected system call, on a real file.
 */
import { fdatasync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWalSync } from '../../../gateway/audit/wal-sync.js';

describe('WAL group sync', () => {
  let dir: string;
  let db: string;
  let syncs: number;
  const counted = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => {
    syncs++;
    fdatasync(fd, callback);
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-walsync-'));
    db = join(dir, 'airlock.db');
    writeFileSync(`${db}-wal`, 'frames');
    syncs = 0;
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets patient waiters ride on the next eager sync: one fdatasync for all', async () => {
    const wal = createWalSync(db, { patientMs: 60_000, fdatasync: counted });
    const patient = [wal.syncPatiently(), wal.syncPatiently()];
    expect(syncs).toBe(0);
    await Promise.all([wal.sync(), ...patient]);
    expect(syncs).toBe(1);
    await wal.close();
  });

  it('starts a sync for patient waiters alone once their patience runs out', async () => {
    const wal = createWalSync(db, { patientMs: 5, fdatasync: counted });
    await Promise.all([wal.syncPatiently(), wal.syncPatiently()]);
    expect(syncs).toBe(1);
    await wal.close();
  });

  it('serves waiters who asked while a sync ran with the next one, eager at once and patient with the next', async () => {
    const wal = createWalSync(db, { patientMs: 60_000, fdatasync: counted });
    const first = wal.sync();
    const patientDuring = wal.syncPatiently();
    const eagerDuring = wal.sync();
    await Promise.all([first, patientDuring, eagerDuring]);
    expect(syncs).toBe(2);
    await wal.close();
  });

  it('syncs what waits on close, without waiting for patience', async () => {
    const wal = createWalSync(db, { patientMs: 60_000, fdatasync: counted });
    const patient = wal.syncPatiently();
    await wal.close();
    await expect(patient).resolves.toBeUndefined();
    expect(syncs).toBe(1);
  });

  it('reports a failed fdatasync to every waiter of that sync', async () => {
    const failing = (_fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void => callback(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    const wal = createWalSync(db, { patientMs: 60_000, fdatasync: failing });
    const patient = wal.syncPatiently();
    await expect(wal.sync()).rejects.toThrow('the audit log could not be flushed to disk: EIO: i/o error');
    await expect(patient).rejects.toThrow('EIO');
    await wal.close();
  });
});
