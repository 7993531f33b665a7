/**
 * The trace key: the HMAC secret of leak fingerprints (fingerprint.ts), DATA/trace.key, 0600 and
 * owned by the gateway's user like every other secret. Made by `init`, or at the first serve of a
 * data directory made before tracing existed. Whoever holds it can test guesses against the
 * fingerprint table; whoever lacks it cannot.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { assertPrivate, DataDirError } from '../config/data-dir.js';

const KEY_BYTES = 32;

/** Writes a fresh key at `path`; never overwrites one (`wx`), 0600 from creation. */
export async function createTraceKey(path: string): Promise<void> {
  await writeFile(path, `${randomBytes(KEY_BYTES).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
}

/** Reads the key at `path` after the privacy and owner checks, making it first if there is none. */
export async function loadTraceKey(path: string): Promise<Buffer> {
  await createTraceKey(path).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  await assertPrivate(path, 'file');
  const text = await readFile(path, 'utf8');
  if (text.length > 1024) throw new DataDirError(`${path} is not a trace key (too long).`);
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length < KEY_BYTES) throw new DataDirError(`${path} must hold at least ${KEY_BYTES} bytes (base64url).`);
  return key;
}
