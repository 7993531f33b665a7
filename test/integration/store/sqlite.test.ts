import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.js';
import { storeContract } from './contract.js';

storeContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-store-'));
  const path = join(dir, 'airlock.db');
  const raw = (fn: (db: Database.Database) => void): void => {
    const db = new Database(path);
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  return {
    async open(now) {
      return openSqliteStore(path, { now });
    },
    async tamperAudit(seq, details) {
      raw((db) => {
        db.exec('DROP TRIGGER audit_no_update');
        db.prepare('UPDATE audit SET details = ? WHERE seq = ?').run(details, seq);
      });
    },
    async rawAuditUpdate() {
      raw((db) => db.prepare("UPDATE audit SET details = '{}' WHERE seq = 1").run());
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true });
    },
  };
});
