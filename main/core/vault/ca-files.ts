import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { jsonOrUndefined } from '../json.js';
import { pinOf } from '../transport/pins.js';

/**
 * The gateway CA certificates of an enrollment, kept in the app's data directory rather than the
 * keychain: they are public, and four of them would not fit a Windows Credential Manager entry.
 */
export interface CaFiles {
  /** The CAs stored for `gateway` whose key is one of `pins` (anything else on disk is ignored). */
  read(gateway: string, pins: readonly string[]): Promise<string[]>;
  write(gateway: string, caPems: readonly string[]): Promise<void>;
  remove(gateway: string): Promise<void>;
}

/** The folder of the app's data directory that holds them (wiped with the rest of it). */
export const CA_FILES_DIR = 'gateway-cas';

const caFile = z.strictObject({
  gateway: z.string().max(2048),
  caPems: z.array(z.string().max(10_000)).max(4),
});

/** Only certificates that parse and carry a pinned key: a CA file is not a place to add trust. */
function pinnedOnly(pems: readonly string[], pins: readonly string[]): string[] {
  return pems.filter((pem) => {
    try {
      return pins.includes(pinOf(new X509Certificate(pem)));
    } catch {
      return false;
    }
  });
}

/** One JSON file per gateway under `dir` (named by a hash of the origin), replaced atomically. */
export function caFilesIn(dir: string): CaFiles {
  const fileOf = (gateway: string) => path.join(dir, `${createHash('sha256').update(gateway).digest('hex').slice(0, 32)}.json`);
  return {
    async read(gateway, pins) {
      const text = await readFile(fileOf(gateway), 'utf8').catch(() => null);
      if (text === null || text.length > 64_000) return [];
      const parsed = caFile.safeParse(jsonOrUndefined(text));
      if (!parsed.success || parsed.data.gateway !== gateway) return [];
      return pinnedOnly(parsed.data.caPems, pins);
    },
    async write(gateway, caPems) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = fileOf(gateway);
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, JSON.stringify({ gateway, caPems }), { mode: 0o600 });
      await rename(temporary, file);
    },
    async remove(gateway) {
      await rm(fileOf(gateway), { force: true });
    },
  };
}
