/**
 * Model-call audit entries batched by the SQLite store (appendAuditDeferred, group commit): one
 * hash chain with the entries of state changes, durable once the promise resolves (even under
 * SIGKILL), written before any later state change is reported done, and drained on close. And a
 * call's start record (appendAuditWritten), which survives SIGKILL as soon as it is written.
 */
import { spawn } from 'node:child_process';
import { fdatasync, statSync } from 'node:fs';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import type { Store } from '../../../gateway/store/store.js';
import { hashInviteCode } from '../../../gateway/enroll/ids.js';

const call0 = { type: 'model.call', actor: 'device:dev_0', subject: 'test-chat', details: { i: 0, outcome: 'ok' } };
const call = (i: number) => ({ type: 'model.call', actor: `device:dev_${i}`, subject: 'test-chat', details: { i, outcome: 'ok' } });

describe('SQLite store: deferred audit appends (group commit)', () => {
  let dir: string;
  let path: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-deferred-'));
    path = join(dir, 'airlock.db');
    store = openSqliteStore(path);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('chains worker entries with interleaved state changes, and the whole chain verifies', async () => {
    const deferred: Promise<{ seq: number }>[] = [];
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++) deferred.push(store.appendAuditDeferred(call(round * 10 + i)));
      // A state change and a plain append on the main connection while worker batches are in flight.
      await store.createInvite(
        { id: `inv_${String(round).padStart(8, '0')}`, email: `t${round}@example.com`, codeHash: hashInviteCode(`code${round}`), expiresAt: new Date(Date.now() + 60_000).toISOString(), deviceLimit: 1 },
        { type: 'admin.invite.create', actor: 'admin', subject: `t${round}@example.com` },
      );
      await store.appendAudit({ type: 'refusal', actor: 'client:127.0.0.1', subject: 'x', details: { round } });
    }
    const written = await Promise.all(deferred);

    const verdict = await store.auditVerify();
    expect(verdict).toMatchObject({ ok: true, firstBad: null, entries: 240 });
    const tail = await store.auditTail(1000);
    expect(tail.map((e) => e.seq)).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    const seqs = new Set(written.map((e) => e.seq));
    expect(seqs.size).toBe(200);
    const calls = tail.filter((e) => e.type === 'model.call');
    expect(calls.map((e) => JSON.parse(e.details).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    // The promise's entry is the stored one.
    for (const e of calls) expect(seqs.has(e.seq)).toBe(true);
    expect(tail.filter((e) => e.type === 'admin.invite.create')).toHaveLength(20);
  });

  it('does not hold the event loop while another connection has the write lock: the batch waits for a later turn', async () => {
    const other = new Database(path);
    other.pragma('busy_timeout = 5000');
    other.prepare('BEGIN IMMEDIATE').run();
    const started = performance.now();
    let written = false;
    const start = store.appendAuditWritten({ type: 'model.call.start', actor: 'device:dev_1', subject: 'test-chat', details: { callId: 'c' } }).then((w) => ((written = true), w));
    const call = store.appendAuditDeferred(call0);
    // The event loop turns (timers fire) while the lock is held elsewhere, and nothing is written yet.
    await new Promise((r) => setTimeout(r, 50));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(written).toBe(false);
    other.prepare('COMMIT').run();
    other.close();
    await (await start).durable;
    await expect(call.then((e) => e.type)).resolves.toBe('model.call');
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('writes the start records asked for in one event-loop turn in one transaction (20 connections: not one commit a call)', async () => {
    // A state change first, so the WAL exists and holds the schema; each commit appends at least one page frame to it.
    await store.appendAudit({ type: 'gateway.start', actor: 'gateway', subject: 'test' });
    const walBytes = (): number => statSync(`${path}-wal`).size;
    const before = walBytes();
    const starts = Array.from({ length: 20 }, (_, i) => store.appendAuditWritten({ type: 'model.call.start', actor: `device:dev_${i}`, subject: 'test-chat', details: { callId: `c${i}` } }));
    const written = await Promise.all(starts);
    await Promise.all(written.map((w) => w.durable));
    // One commit writes each page it changed once (the table's and its time index's leaves: 6
    // frames here); a commit per record wrote those pages again each time (44 frames before).
    const frames = (walBytes() - before) / (4096 + 24);
    expect(frames).toBeGreaterThan(0);
    expect(frames, `${frames} frames`).toBeLessThanOrEqual(10);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 21 });
  });

  it('gives sequential calls one WAL fsync each: a call\'s end entry rides on the next call\'s start record', async () => {
    await store.close();
    let syncs = 0;
    store = openSqliteStore(path, { walSync: { patientMs: 60_000, fdatasync: (fd, callback) => ((syncs += 1), fdatasync(fd, callback)) } });
    const ends: Promise<unknown>[] = [];
    for (let i = 0; i < 10; i++) {
      const start = await store.appendAuditWritten({ type: 'model.call.start', actor: `device:dev_${i}`, subject: 'test-chat', details: { callId: `c${i}` } });
      await start.durable;
      ends.push(store.appendAuditDeferred(call(i)));
      // The end entry is written (its own transaction, next turn) before the next call starts.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await store.close();
    await Promise.all(ends);
    // Ten start records, each its own sync; the ten end entries shared them (the last one, close's).
    expect(syncs).toBe(11);
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 20 });
  });

  it('drains pending entries on close', async () => {
    const pending = Array.from({ length: 50 }, (_, i) => store.appendAuditDeferred(call(i)));
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(50);
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 50 });
    // A new worker continues the chain after a restart.
    await expect(store.appendAuditDeferred(call(50)).then((e) => e.seq)).resolves.toBe(51);
  });

  /** Runs the child in `mode` on the store's file; resolves with what it printed once it is dead. */
  async function killedChild(mode: string, killAfterLine: boolean): Promise<string> {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./deferred-audit-child.ts', import.meta.url)), mode, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = once(child, 'exit');
    if (killAfterLine) {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: string) => {
          out += chunk;
          if (out.includes('\n')) resolve();
        });
        child.once('exit', (code) => reject(new Error(`child exited early with ${code}: ${err}`)));
      });
      child.kill('SIGKILL');
    }
    await exited;
    expect(child.signalCode, err).toBe('SIGKILL');
    return out;
  }

  it('keeps an entry whose promise resolved when the process is killed with SIGKILL', async () => {
    await store.appendAudit({ type: 'gateway.start', actor: 'gateway', subject: 'test' });
    expect(Number((await killedChild('deferred', true)).trim())).toBe(2);

    await store.close();
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
    const [last] = await store.auditTail(1);
    expect(last).toMatchObject({ seq: 2, type: 'model.call', actor: 'device:dev_child' });
  });

  it('keeps a start record the moment appendAuditWritten resolved, its fsync not awaited (SIGKILL)', async () => {
    await store.appendAudit({ type: 'gateway.start', actor: 'gateway', subject: 'test' });
    expect(Number((await killedChild('written', true)).trim())).toBe(2);
    await store.close();
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
    expect((await store.auditTail(1))[0]).toMatchObject({ seq: 2, type: 'model.call.start' });
  });

  // Issue 19: call entries are batched, yet every one asked for before a revocation or an
  // enrollment is on disk, and before it in the chain, once that change is reported done.
  for (const [mode, changeType] of [['revoke', 'admin.device.revoke'], ['enroll', 'device.enroll']] as const) {
    it(`has every call entry asked for before a ${mode === 'revoke' ? 'revocation' : 'second enrollment'} on disk once it resolved (SIGKILL right after)`, async () => {
      await killedChild(mode, false);
      await store.close();
      store = openSqliteStore(path);
      expect(await store.auditVerify()).toMatchObject({ ok: true });
      const tail = await store.auditTail(100);
      const calls = tail.filter((e) => e.type === 'model.call');
      expect(calls.map((e) => JSON.parse(e.details).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      const change = tail.filter((e) => e.type === changeType).at(-1)!;
      expect(change).toBeDefined();
      for (const e of calls) expect(e.seq).toBeLessThan(change.seq);
    });
  }
});
