/**
 * Model-call audit entries written by the SQLite store's worker thread (appendAuditDeferred):
 * one hash chain with the entries of state changes written on the main connection, durable once
 * the promise resolves (even under SIGKILL), and drained on close.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import type { Store } from '../../../gateway/store/store.js';
import { hashInviteCode } from '../../../gateway/enroll/ids.js';

const call = (i: number) => ({ type: 'model.call', actor: `device:dev_${i}`, subject: 'test-chat', details: { i, outcome: 'ok' } });

describe('SQLite store: deferred audit appends (worker thread)', () => {
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

  it('drains pending entries on close', async () => {
    const pending = Array.from({ length: 50 }, (_, i) => store.appendAuditDeferred(call(i)));
    await store.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(50);
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 50 });
    // A new worker continues the chain after a restart.
    await expect(store.appendAuditDeferred(call(50)).then((e) => e.seq)).resolves.toBe(51);
  });

  it('keeps an entry whose promise resolved when the process is killed with SIGKILL', async () => {
    await store.appendAudit({ type: 'gateway.start', actor: 'gateway', subject: 'test' });
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./deferred-audit-child.ts', import.meta.url)), path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        if (out.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(child.signalCode).toBe('SIGKILL');
    expect(Number(out.trim())).toBe(2);

    await store.close();
    store = openSqliteStore(path);
    expect(await store.auditVerify()).toMatchObject({ ok: true, entries: 2 });
    const [last] = await store.auditTail(1);
    expect(last).toMatchObject({ seq: 2, type: 'model.call', actor: 'device:dev_child' });
  });
});
