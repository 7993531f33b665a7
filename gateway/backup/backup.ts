/**
 * `airlock-gateway backup --out FILE`: one gzip'd tar archive holding everything needed to bring
 * the gateway back: the data directory's keys, policy and configuration, and (SQLite) a consistent
 * copy of the store made with SQLite's online backup (better-sqlite3 `.backup()`), never a copy
 * of the live database file, whose latest commits may still sit in its WAL.
 *
 * Secrets are never readable by others at any moment: the archive is created 0600 (and refused
 * if FILE exists) before anything is written, staging happens in a 0700 directory beside it, and
 * the process umask is 077 throughout. With PostgreSQL the database is not in the archive: back
 * it up with pg_dump; the archive then holds the rest. Leak tracing's file (trace.db) is copied
 * the same way, in a snapshot of its own taken just after the store's.
 */
import { chmod, copyFile, constants, lstat, mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { create as createTar } from 'tar';
import { assertPrivate, dataPaths } from '../config/data-dir.js';
import { pinOfCertificatePem } from '../tls/certificates.js';
import { ARCHIVE_FILE_NAME, BackupError, DATABASE_NAME, MANIFEST_NAME, sha256OfFile, TRACE_DATABASE_NAME, type BackupManifest } from './manifest.js';

/** The SQLite files of a data directory, copied through SQLite's online backup, never as files. */
const SQLITE_FILES = [DATABASE_NAME, TRACE_DATABASE_NAME];
/** Not copied as files: the SQLite files and their journals, the admin socket, temp files. */
const NOT_COPIED = new Set([...SQLITE_FILES.flatMap((name) => [name, `${name}-wal`, `${name}-shm`, `${name}-journal`]), 'admin.sock']);
const MAX_FILE_BYTES = 64 * 1024 * 1024;

export interface BackupResult {
  out: string;
  pin: string;
  store: 'sqlite' | 'postgres';
  files: string[];
  /** Entries of the data directory left out: not regular files (sockets, directories, links). */
  skipped: string[];
  bytes: number;
}

/** Runs `work` with umask 077, so nothing it creates is ever readable by group or others. */
export async function withPrivateUmask<T>(work: () => Promise<T>): Promise<T> {
  const previous = process.umask(0o077);
  try {
    return await work();
  } finally {
    process.umask(previous);
  }
}

/** SQLite's online backup of the live store, every page in one step: one consistent snapshot. */
async function copySqliteStore(source: string, target: string): Promise<void> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  const copy = new Database(target, { readonly: true, fileMustExist: true });
  try {
    const check = copy.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copied store failed SQLite's integrity check (${String(check)}); the backup was not written.`);
  } finally {
    copy.close();
  }
}

export async function createBackup(options: { dataDir: string; out: string; postgres: boolean }): Promise<BackupResult> {
  const paths = dataPaths(resolve(options.dataDir));
  const out = resolve(options.out);
  await assertPrivate(paths.dir, 'directory');
  return withPrivateUmask(async () => {
    // Claim the name first, 0600, refusing an existing file: nothing is ever written anywhere looser.
    let archive;
    try {
      archive = await open(out, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new BackupError(code === 'EEXIST' ? `${out} already exists; backup never overwrites a file. Choose another --out.` : `${out} cannot be created (${code ?? 'error'}).`);
    }
    const staging = await mkdtemp(join(dirname(out), '.airlock-backup-'));
    let done = false;
    try {
      await chmod(staging, 0o700);
      const files: string[] = [];
      const skipped: string[] = [];
      for (const name of (await readdir(paths.dir)).sort()) {
        if (NOT_COPIED.has(name) || name.endsWith('.tmp')) continue;
        const info = await lstat(join(paths.dir, name));
        if (!info.isFile() || !ARCHIVE_FILE_NAME.test(name)) {
          skipped.push(name);
          continue;
        }
        await assertPrivate(join(paths.dir, name), 'file');
        if (info.size > MAX_FILE_BYTES) throw new BackupError(`${join(paths.dir, name)} is larger than ${MAX_FILE_BYTES} bytes; it is not a file the gateway made.`);
        await copyFile(join(paths.dir, name), join(staging, name), constants.COPYFILE_EXCL);
        await chmod(join(staging, name), 0o600);
        files.push(name);
      }
      if (!options.postgres) {
        for (const name of SQLITE_FILES) {
          // trace.db is absent only where no gateway of this version has started yet (its traces are still in airlock.db).
          if (name !== DATABASE_NAME && !(await lstat(join(paths.dir, name)).then((info) => info.isFile(), () => false))) continue;
          await copySqliteStore(join(paths.dir, name), join(staging, name));
          files.push(name);
        }
      }
      const manifest: BackupManifest = {
        format: 1,
        createdAt: new Date().toISOString(),
        pin: await pinOfCertificatePem(await readFile(join(staging, 'ca.pem'), 'utf8')),
        store: options.postgres ? 'postgres' : 'sqlite',
        files: await Promise.all(files.map(async (name) => ({ name, ...(await sha256OfFile(join(staging, name))) }))),
      };
      await writeFile(join(staging, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      // The stream fsyncs (`flush`) and closes the handle when the archive is complete.
      await pipeline(createTar({ gzip: true, cwd: staging, portable: true }, [MANIFEST_NAME, ...files]), archive.createWriteStream({ flush: true }));
      const { size } = await stat(out);
      done = true;
      return { out, pin: manifest.pin, store: manifest.store, files, skipped, bytes: size };
    } finally {
      await archive.close().catch(() => undefined);
      await rm(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
      if (!done) await rm(out, { force: true }).catch(() => undefined);
    }
  });
}
