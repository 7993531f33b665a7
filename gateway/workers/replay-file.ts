/**
 * DPoP `jti`s single-use across the gateway's worker processes on one host (`serve --workers N`):
 * one small SQLite file (DATA/replay.db) that every worker claims in with one INSERT. WAL, and no
 * fsync (synchronous=OFF): the claims must outlive a worker, not the machine; the primary empties
 * the file at every start, when the run's new nonce key (auth/nonce-key.ts) makes every earlier
 * proof fail anyway. A claim is a few tens of µs, synchronous, with no message to another process.
 */
import Database from 'better-sqlite3';
import type { ReplayGuard } from '../auth/replay-guard.js';

export interface SharedReplayFile {
  guard: ReplayGuard;
  /** Deletes claims whose proofs can no longer be accepted anyway. */
  sweep(nowSeconds: number): void;
  close(): void;
}

/** Creates the file empty (the primary, before the workers start). */
export function resetReplayFile(path: string): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('DROP TABLE IF EXISTS claims; CREATE TABLE claims (jti TEXT PRIMARY KEY, expires INTEGER NOT NULL) WITHOUT ROWID');
  } finally {
    db.close();
  }
}

export function openReplayFile(path: string, nowSeconds: () => number, maxClaims = 1_000_000): SharedReplayFile {
  const db = new Database(path, { fileMustExist: true });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  db.pragma('busy_timeout = 2000');
  const claim = db.prepare('INSERT INTO claims (jti, expires) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING');
  const expire = db.prepare('DELETE FROM claims WHERE expires < ?');
  const count = db.prepare('SELECT count(*) FROM claims').pluck();
  let claimsSinceCount = 0;
  let full = false;
  return {
    guard: {
      async claim(jti, expiresAt) {
        if (expiresAt < nowSeconds()) return false;
        // As the in-memory cache: refuse when full rather than forget a live claim (checked now and then).
        if (++claimsSinceCount >= 10_000) {
          claimsSinceCount = 0;
          full = (count.get() as number) >= maxClaims;
        }
        if (full) return false;
        return claim.run(jti, expiresAt).changes === 1;
      },
    },
    sweep(now) {
      expire.run(now);
      full = (count.get() as number) >= maxClaims;
    },
    close() {
      db.close();
    },
  };
}
