/**
 * `lock create | list | remove` as functions over the store, the connection hub and the lock
 * registry, with typed results: the admin socket and the web console call the same code. A lock
 * is durable (row and audit entry committed) before live connections are cut and before the
 * answer, as a revocation is.
 */
import { randomBytes } from 'node:crypto';
import type { LockNotice } from '../../protocol/errors.js';
import type { LockView } from '../../protocol/schemas/admin.js';
import type { ConnectionHub } from '../live/connection-hub.js';
import type { LockRecord, Store } from '../store/store.js';
import type { LockRegistry } from './lock-registry.js';
import { lockHolds, noticeOf } from './lock-rules.js';

export interface LockDeps {
  store: Store;
  nowMs: () => number;
  /** Present when the gateway runs: the lock holds at once and cuts live connections. */
  live?: { hub: ConnectionHub; locks: LockRegistry };
}

export type LockTarget = { kind: 'tester'; email: string } | { kind: 'device'; id: string };

export type { LockView };

export class LockTargetError extends Error {
  override name = 'LockTargetError';
}

const viewOf = (lock: LockRecord, nowMs: number): LockView => ({
  id: lock.id,
  target: lock.target,
  targetKind: lock.targetKind,
  message: lock.message,
  note: lock.note,
  wipeHistory: lock.wipeHistory,
  createdAt: lock.createdAt,
  createdBy: lock.createdBy,
  expiresAt: lock.expiresAt,
  holds: lockHolds(lock, nowMs),
});

export function newLockId(): string {
  return `lck_${randomBytes(12).toString('base64url')}`;
}

export async function createLock(
  deps: LockDeps,
  input: { target: LockTarget; ttlSeconds?: number | undefined; message?: string | undefined; note?: string | undefined; wipeHistory?: boolean | undefined },
  actor: string,
  details: Record<string, unknown>,
): Promise<LockView & { cut: number }> {
  const { store } = deps;
  const target = input.target.kind === 'tester' ? input.target.email : input.target.id;
  const known = input.target.kind === 'tester' ? await store.getTester(target) : await store.getDevice(target);
  if (!known) throw new LockTargetError(input.target.kind === 'tester' ? `No tester ${target}.` : `No device ${target}.`);
  const now = deps.nowMs();
  const expiresAt = input.ttlSeconds === undefined ? null : new Date(now + input.ttlSeconds * 1000).toISOString();
  const lock = await store.createLock(
    { id: newLockId(), targetKind: input.target.kind, target, message: input.message ?? null, note: input.note ?? null, wipeHistory: input.wipeHistory === true, expiresAt, createdBy: actor },
    { type: 'admin.lock.create', actor, subject: target, details: { ...details, targetKind: input.target.kind, expiresAt, message: input.message ?? null, note: input.note ?? null, wipeHistory: input.wipeHistory === true } },
  );
  let cut = 0;
  if (deps.live) {
    deps.live.locks.remember(lock);
    const notice: LockNotice = noticeOf(lock);
    cut = deps.live.hub.cutLocked(input.target.kind === 'tester' ? { tester: target } : { deviceId: target }, notice);
  }
  // The lock was just made: it holds, whatever the clock said a moment later.
  return { ...viewOf(lock, now), holds: true, cut };
}

export async function listLocks(deps: LockDeps): Promise<LockView[]> {
  const now = deps.nowMs();
  return (await deps.store.listLocks()).filter((l) => lockHolds(l, now)).map((l) => viewOf(l, now));
}

/** null when there is no such lock. */
export async function removeLock(deps: LockDeps, id: string, actor: string, details: Record<string, unknown>): Promise<(LockView & { removed: boolean }) | null> {
  const result = await deps.store.removeLock(id, actor, { type: 'admin.lock.remove', actor, subject: id, details });
  if (!result) return null;
  deps.live?.locks.forget(id);
  return { ...viewOf(result.lock, deps.nowMs()), removed: result.changed };
}

/** The lock holding for a tester now (any of their devices, or the tester), for `invite create`. */
export async function testerLock(store: Store, email: string, nowMs: number): Promise<LockRecord | undefined> {
  return (await store.listLocks()).find((l) => l.targetKind === 'tester' && l.target === email && lockHolds(l, nowMs));
}
