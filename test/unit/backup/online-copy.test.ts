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
import { restoreBackup } from '../../../gateway/backup/restore.js';
import { openStore } from '../../../gateway/cluster/open-store.js';
import { dataPaths } from '../../../gateway/config/data-dir.js';
import { initDataDir } from '../../../gateway/init/init.js';
import { sqliteTraceRows } from '../../../gateway/tracing/sqlite-trace-rows.js';
import { openTraceDatabase } from '../../../gateway/tracing/trace-database.js';

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

  it("carries leak tracing's trace.db the same way, and restores it where the store reads it", async () => {
    const dataDir = join(base, 'traced');
    await initDataDir(dataDir);
    await (await openStore(dataDir)).close();
    // The tracing worker's connection, still open, its commits only in trace.db-wal.
    const writer = openTraceDatabase(dataPaths(dataDir).traceDatabase);
    try {
      writer.pragma('wal_autocheckpoint = 0');
      sqliteTraceRows(writer).write([{ callId: 'call-1', tester: 'ada@example.com', deviceId: 'dev_a', model: 'demo', createdAt: '2030-01-01T00:00:00.000Z', fingerprints: [7, 8] }]);
      expect((await stat(`${dataPaths(dataDir).traceDatabase}-wal`)).size).toBeGreaterThan(0);

      const out = join(base, 'traced.tar.gz');
      const result = await createBackup({ dataDir, out, postgres: false });
      expect(result.files).toContain('trace.db');
      expect(result.files.filter((name) => /-(wal|shm|journal)$/.test(name))).toEqual([]);

      const restored = join(base, 'traced-restored');
      await restoreBackup({ archive: out, dataDir: restored });
      const store = await openStore(restored);
      try {
        expect((await store.traceHolders([7, 8])).map((h) => `${h.fingerprint}:${h.callId}`).sort()).toEqual(['7:call-1', '8:call-1']);
      } finally {
        await store.close();
      }
    } finally {
      writer.close();
    }
  });
});
