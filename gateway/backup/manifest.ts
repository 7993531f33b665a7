/**
 * `airlock-backup.json`, the first entry of every backup archive: what it holds, each file's
 * size and SHA-256 (restore refuses an archive whose files differ or that holds anything else),
 * and the CA pin, which the restored gateway must show again.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { z } from 'zod';

export const MANIFEST_NAME = 'airlock-backup.json';
export const DATABASE_NAME = 'airlock.db';
/** Leak tracing's SQLite file (tracing/trace-database.ts); archives made before it existed lack it. */
export const TRACE_DATABASE_NAME = 'trace.db';
/** A file name in the archive: one plain name, no directories, nothing hidden. */
export const ARCHIVE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const backupManifest = z.strictObject({
  format: z.literal(1),
  createdAt: z.iso.datetime(),
  pin: z.string().regex(/^sha256\/[A-Za-z0-9+/]{43}=$/),
  /** `sqlite`: the store is `airlock.db` (and `trace.db`) in the archive; `postgres`: it is not, back it up with pg_dump. */
  store: z.enum(['sqlite', 'postgres']),
  files: z.array(z.strictObject({ name: z.string().regex(ARCHIVE_FILE_NAME), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).min(1).max(1000),
});
export type BackupManifest = z.infer<typeof backupManifest>;

export class BackupError extends Error {
  override name = 'BackupError';
}

export async function sha256OfFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    size += (chunk as Buffer).length;
    hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), size };
}
