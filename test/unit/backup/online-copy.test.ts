/**
 * Why `backup` copies the store with SQLite's online backup and not as a file: in WAL mode a
 * commit lives in `airlock.db-wal` until a checkpoint moves it into `airlock.db`. Here a writer
 * keeps its connection open with automatic checkpoints off, so every row is only in the WAL; the
 * archive must still hold every one (a copy of airlock.db would hold none).
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { extract } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackup } from '../../../gateway/backup/backup.js';
import { initDataDir } from '../../../gateway/init/init.js';

describe('backup copies a live WAL database consistently', () => {
  let base: string;
  afterAll(() => rm(base, { recursive: true, force: true }));

  it('holds rows committed only to the WAL while the writer is still connected', async () => {
    base = await mkdtemp(join(tmpdir(), 'airlock-online-copy-'));
    const dataDir = join(base, 'data');
    await initDataDir(dataDir);
    const writer = new Database(join(dataDir, 'airlock.db'));
    try {
      writer.pragma('journal_mode = WAL');
      writer.pragma('wal_autocheckpoint = 0');
      writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)');
      const insert = writer.prepare('INSERT INTO t (v) VALUES (?)');
      for (let i = 0; i < 500; i++) insert.run(`row ${i}`);
      expect((await stat(join(dataDir, 'airlock.db-wal'))).size).toBeGreaterThan(0);

      const out = join(base, 'backup.tar.gz');
      await createBackup({ dataDir, out, postgres: false });
      const unpacked = join(base, 'unpacked');
      await mkdir(unpacked);
      await extract({ file: out, cwd: unpacked });
      const copy = new Database(join(unpacked, 'airlock.db'), { readonly: true });
      try {
        expect(copy.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 500 });
      } finally {
        copy.close();
      }
    } finally {
      writer.close();
    }
  });
});
