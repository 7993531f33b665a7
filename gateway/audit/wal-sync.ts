/**
 * Group fsync of a SQLite database's write-ahead log, off the event loop.
 *
 * The SQLite store writes model-call entries with synchronous=NORMAL: the commit has written the
 * WAL frames (write(2): they are in the kernel's page cache and survive the gateway process dying
 * in any way, kill -9 included) but not fsync'd them. This makes them durable against a power loss
 * or a kernel crash too: an fdatasync(2) of the WAL file on libuv's thread pool, shared by every
 * entry written before it started (group commit), and resolved only when it has returned.
 *
 * Two kinds of waiters (issue 19). An eager one (a call's start record: its call's end waits for
 * it) starts a sync at once, or the next one as soon as the running one returns. A patient one
 * (a call's end entry, token usage: nothing waits for them but their own promise) joins the next
 * sync anyone starts, or starts one itself after at most `patientMs`. Each sync is an fdatasync
 * system call, plus the hand-off of it to a pool thread (waking that thread cost the main thread
 * 20 to 60 µs here, the "fdatasync" of its profile); sequential calls each asked for two, their
 * end entry's now rides on the next call's start record. A power loss can take a patient entry
 * written at most `patientMs` plus one disk flush before it, instead of one flush; the gateway
 * dying cannot (the write is done). A state change does not wait for either: its commit with
 * synchronous=FULL syncs the whole WAL (gateway/store/sqlite-store.ts).
 *
 * fdatasync on our own descriptor flushes the file, whoever wrote it. SQLite keeps the WAL file
 * (same inode) while any connection is open, and the store holds two for as long as this lives;
 * should it have been unlinked all the same, the descriptor is reopened (its link count is
 * checked before every sync: an fstat of the descriptor, no path lookup).
 */
import { close as closeFd, fdatasync as fdatasyncFd, fstatSync, openSync } from 'node:fs';

/** The longest a patient waiter waits for someone else's sync before it starts one. */
export const PATIENT_SYNC_MS = 10;

export interface WalSync {
  /** Resolves after an fdatasync of the WAL that began after this call; one starts at once. */
  sync(): Promise<void>;
  /** As `sync`, but shares the next sync anyone starts, started by itself after `patientMs` at most. */
  syncPatiently(): Promise<void>;
  /** Starts what is waiting at once, waits for it, then closes the descriptor. */
  close(): Promise<void>;
}

interface Waiters {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

function waiters(): Waiters {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface WalSyncOptions {
  patientMs?: number;
  /** The system call (tests count them). */
  fdatasync?: (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;
}

export function createWalSync(dbPath: string, options: WalSyncOptions = {}): WalSync {
  const walPath = `${dbPath}-wal`;
  const patientMs = options.patientMs ?? PATIENT_SYNC_MS;
  const fdatasync = options.fdatasync ?? fdatasyncFd;
  let fd: number | null = null;
  /** The sync running now; its waiters asked before it began. */
  let running: Waiters | null = null;
  /** Waiters for the next sync (asked while one ran, or patient ones waiting for company). */
  let next: Waiters | null = null;
  /** Whether `next` has an eager waiter: it starts as soon as nothing runs. */
  let nextIsEager = false;
  let patienceTimer: NodeJS.Timeout | null = null;

  /** The WAL's descriptor, reopened if the file we hold was unlinked; null when there is no WAL. */
  function walFd(): number | null {
    if (fd !== null && fstatSync(fd).nlink > 0) return fd;
    if (fd !== null) closeFd(fd, () => undefined);
    fd = null;
    try {
      fd = openSync(walPath, 'r');
    } catch (error) {
      // No WAL file: nothing has been written since SQLite removed it (on its last close).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return fd;
  }

  function start(group: Waiters): void {
    running = group;
    const finish = (error: Error | null): void => {
      running = null;
      if (error) group.reject(new Error(`the audit log could not be flushed to disk: ${error.message}`));
      else group.resolve();
      if (next && nextIsEager) startNext();
    };
    let target: number | null;
    try {
      target = walFd();
    } catch (error) {
      finish(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (target === null) {
      queueMicrotask(() => finish(null));
      return;
    }
    fdatasync(target, (error) => finish(error));
  }

  /** Starts `next` now (nothing is running). */
  function startNext(): void {
    if (patienceTimer) clearTimeout(patienceTimer);
    patienceTimer = null;
    const group = next!;
    next = null;
    nextIsEager = false;
    start(group);
  }

  /** Adds a waiter to the next sync; eager ones start it as soon as nothing runs. */
  function join(eager: boolean): Promise<void> {
    next ??= waiters();
    const promise = next.promise;
    if (eager) nextIsEager = true;
    if (!running && nextIsEager) startNext();
    else if (!eager && !nextIsEager) {
      // Patient: the next sync anyone starts serves it, else this one, `patientMs` from now (or,
      // if a sync is running then, the one after it).
      patienceTimer ??= setTimeout(() => {
        patienceTimer = null;
        if (!next) return;
        nextIsEager = true;
        if (!running) startNext();
      }, patientMs);
    }
    return promise;
  }

  return {
    sync: () => join(true),
    syncPatiently: () => join(false),
    async close() {
      if (next) join(true);
      await Promise.allSettled([running?.promise, next?.promise]);
      // A sync started after the first settled (the one `next` became) is awaited too.
      await Promise.allSettled([running?.promise]);
      if (patienceTimer) clearTimeout(patienceTimer);
      if (fd !== null) closeFd(fd, () => undefined);
      fd = null;
    },
  };
}
