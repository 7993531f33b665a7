/**
 * Who may own what the gateway trusts: the data directory, every secret in it, the store files and
 * the admin socket must belong to the OS user running the gateway (or the CLI), or to root. A
 * 0600 file owned by another user is that user's file: it could be a token key they made, or a
 * socket they listen on, so mode bits alone prove nothing.
 */
import { chmod, lstat, open } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export class OwnershipError extends Error {
  override name = 'OwnershipError';
}

/** The uid this process runs as (undefined where the OS has none, e.g. Windows: no check there). */
export function runningUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/** Whether a file owned by `uid` may be trusted by this process. */
export function trustedOwner(uid: number, me: number | undefined = runningUid()): boolean {
  return me === undefined || uid === me || uid === 0;
}

/** The refusal for `path`, owned by `info.uid`, or null when its owner is trusted. */
export function ownerRefusal(path: string, info: Pick<Stats, 'uid'>, me: number | undefined = runningUid()): string | null {
  if (trustedOwner(info.uid, me)) return null;
  return `${path} is owned by uid ${info.uid}, not by uid ${me} that runs this command (or root): another user could have put it there. Check it, then "chown ${me} ${path}", or run the gateway as its owner.`;
}

/**
 * The store's files in a data directory: made 0600 before SQLite first opens them (SQLite gives
 * its -wal and -shm files the database file's mode), tightened to 0600 when an older gateway left
 * them 0644, and refused when another user owns them.
 */
export async function secureStoreFiles(databasePath: string, error: (message: string) => Error): Promise<void> {
  const created = await open(databasePath, 'a', 0o600).then(async (handle) => handle.close(), (failure: unknown) => failure);
  if (created instanceof Error) throw error(`${databasePath} cannot be opened: ${created.message}`);
  for (const path of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`]) {
    let info: Stats;
    try {
      info = await lstat(path);
    } catch {
      continue;
    }
    if (!info.isFile()) throw error(`${path} is not a regular file.`);
    const refusal = ownerRefusal(path, info);
    if (refusal) throw error(refusal);
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
  }
}
