/**
 * Group fsync of a SQLite database's write-ahead log, off the event loop.
 *
 * The SQLite store writes model-call entries with synchronous=NORMAL: the commit has written the
 * WAL frames (write(2): they are in the kernel's page cache and survive the gateway process dying
 * in any way, kill -9 included) but not fsync'd them. This makes them durable against a power loss
 * or a kernel crash too: an fdatasync(2) of the WAL file on libuv's thread pool, shared by every
 * entry written before it started (group commit), and resolved only when it has returned.
 *
 * fdatasync on our own descriptor flushes the file, whoever wrote it. SQLite keeps the WAL file
 * (same inode) while any connection is open; should it have been replaced all the same, the
 * descriptor is reopened (the inode is compared before every sync).
 */
import { close, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

export interface WalSync {
  /** Resolves after an fdatasync of the WAL that began after this call. */
  sync(): Promise<void>;
  /** Waits for the syncs asked for so far, then closes the descriptor. */
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

export function createWalSync(dbPath: string): WalSync {
  const walPath = `${dbPath}-wal`;
  let fd: number | null = null;
  /** The sync running now; its waiters asked before it began. */
  let running: Waiters | null = null;
  /** Waiters that asked while `running` was in flight: served by the next sync. */
  let next: Waiters | null = null;

  /** The WAL's descriptor, reopened if the file is not the one we hold; null when there is no WAL. */
  function walFd(): number | null {
    let ino: number;
    try {
      ino = statSync(walPath).ino;
    } catch (error) {
      // No WAL file: nothing has been written since SQLite removed it (on its last close).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    if (fd !== null && fstatSync(fd).ino === ino) return fd;
    if (fd !== null) close(fd, () => undefined);
    fd = openSync(walPath, 'r');
    return fd;
  }

  function start(group: Waiters): void {
    running = group;
    const finish = (error: Error | null): void => {
      running = null;
      if (error) group.reject(new Error(`the audit log could not be flushed to disk: ${error.message}`));
      else group.resolve();
      if (next) {
        const queued = next;
        next = null;
        start(queued);
      }
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

  return {
    sync() {
      if (!running) {
        const group = waiters();
        start(group);
        return group.promise;
      }
      next ??= waiters();
      return next.promise;
    },
    async close() {
      await Promise.allSettled([running?.promise, next?.promise]);
      if (fd !== null) close(fd, () => undefined);
      fd = null;
    },
  };
}
