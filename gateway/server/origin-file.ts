import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The gateway records the origin it serves at, so admin commands run while it is stopped can
 * still make invite links for it (and `dev` can keep its port across runs).
 */
const ORIGIN_FILE = 'origin';

export async function recordOrigin(dataDir: string, origin: string): Promise<void> {
  await writeFile(join(dataDir, ORIGIN_FILE), `${origin}\n`, { mode: 0o600 });
}

export async function readRecordedOrigin(dataDir: string): Promise<string | null> {
  try {
    return (await readFile(join(dataDir, ORIGIN_FILE), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}
