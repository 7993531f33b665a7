/**
 * `airlock-gateway restore FILE --data DIR`: unpacks a backup into a new data directory and
 * proves it before saying so: every file the manifest lists, with its size and SHA-256, and
 * nothing else (plain files only, no paths, no links); the CA pin as recorded; with SQLite, an
 * audit chain that verifies. It never overwrites: DIR must not exist or be empty. On any failure
 * what it unpacked is removed again.
 */
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { extract as extractTar } from 'tar';
import { openStore } from '../cluster/open-store.js';
import { pinOfCertificatePem } from '../tls/certificates.js';
import { withPrivateUmask } from './backup.js';
import { ARCHIVE_FILE_NAME, BackupError, backupManifest, MANIFEST_NAME, sha256OfFile, type BackupManifest } from './manifest.js';

const MAX_ENTRY_BYTES = 16 * 1024 * 1024 * 1024;

export interface RestoreResult {
  data: string;
  pin: string;
  store: 'sqlite' | 'postgres';
  files: string[];
  /** SQLite: the restored audit chain, verified. */
  audit: { entries: number; head: string | null } | null;
}

/** The target: absent (made 0700) or an empty directory; anything else is refused. */
async function claimTarget(dir: string): Promise<'made' | 'empty'> {
  const info = await lstat(dir).catch(() => null);
  if (!info) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return 'made';
  }
  if (!info.isDirectory()) throw new BackupError(`${dir} exists and is not a directory; restore refuses to overwrite it. Give --data a new directory.`);
  const entries = await readdir(dir);
  if (entries.length > 0) throw new BackupError(`${dir} is not empty (found ${entries.slice(0, 3).join(', ')}); restore refuses to overwrite a data directory. Give --data a new directory.`);
  await chmod(dir, 0o700);
  return 'empty';
}

async function unpack(archive: string, into: string): Promise<void> {
  const refused: string[] = [];
  try {
    await extractTar({
      file: archive,
      cwd: into,
      strict: true,
      preserveOwner: false,
      filter: (path, entry) => {
        const ok = 'type' in entry && entry.type === 'File' && ARCHIVE_FILE_NAME.test(path) && (entry.size ?? 0) <= MAX_ENTRY_BYTES;
        if (!ok) refused.push(path);
        return ok;
      },
    });
  } catch (error) {
    throw new BackupError(`${archive} is not a readable Airlock backup (${error instanceof Error ? error.message : String(error)}).`);
  }
  if (refused.length) throw new BackupError(`${archive} holds ${refused.slice(0, 3).map((p) => `"${p}"`).join(', ')}, which an Airlock backup does not; nothing was restored.`);
}

async function checkAgainstManifest(archive: string, dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = backupManifest.parse(JSON.parse(await readFile(join(dir, MANIFEST_NAME), 'utf8')));
  } catch {
    throw new BackupError(`${archive} has no valid ${MANIFEST_NAME}; it is not an Airlock backup (or a newer format).`);
  }
  const present = new Set((await readdir(dir)).filter((name) => name !== MANIFEST_NAME));
  for (const file of manifest.files) {
    if (!present.delete(file.name)) throw new BackupError(`${archive} lacks ${file.name}, which its manifest lists; nothing was restored.`);
    const actual = await sha256OfFile(join(dir, file.name));
    if (actual.sha256 !== file.sha256 || actual.size !== file.size) throw new BackupError(`${file.name} in ${archive} differs from its manifest (damaged or altered); nothing was restored.`);
  }
  if (present.size) throw new BackupError(`${archive} holds ${[...present].slice(0, 3).join(', ')}, which its manifest does not list; nothing was restored.`);
  return manifest;
}

export async function restoreBackup(options: { archive: string; dataDir: string }): Promise<RestoreResult> {
  const archive = resolve(options.archive);
  const data = resolve(options.dataDir);
  await lstat(archive).catch(() => {
    throw new BackupError(`${archive} does not exist.`);
  });
  return withPrivateUmask(async () => {
    const claimed = await claimTarget(data);
    const staging = await mkdtemp(join(dirname(data), '.airlock-restore-'));
    let done = false;
    try {
      await unpack(archive, staging);
      const manifest = await checkAgainstManifest(archive, staging);
      for (const file of manifest.files) {
        await rename(join(staging, file.name), join(data, file.name));
        await chmod(join(data, file.name), 0o600);
      }
      const pin = await pinOfCertificatePem(await readFile(join(data, 'ca.pem'), 'utf8'));
      if (pin !== manifest.pin) throw new BackupError(`the restored CA's pin ${pin} is not the one the backup recorded (${manifest.pin}); nothing was restored.`);
      let audit: RestoreResult['audit'] = null;
      if (manifest.store === 'sqlite') {
        const store = await openStore(data);
        try {
          const verified = await store.auditVerify();
          if (!verified.ok) throw new BackupError(`the restored audit chain does not verify (entry ${verified.firstBad}: ${verified.reason ?? 'bad'}); nothing was restored.`);
          audit = { entries: verified.entries, head: verified.head ? `${verified.head.seq}:${verified.head.hash}` : null };
        } finally {
          await store.close();
        }
      }
      done = true;
      return { data, pin, store: manifest.store, files: manifest.files.map((f) => f.name), audit };
    } finally {
      // tar may still be finishing a write after it reported an error: retry instead of failing,
      // and never let the clean-up hide the reason the restore stopped.
      await rm(staging, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
      if (!done) {
        for (const name of await readdir(data).catch(() => [] as string[])) await rm(join(data, name), { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }).catch(() => undefined);
        if (claimed === 'made') await rmdir(data).catch(() => undefined);
      }
    }
  });
}
