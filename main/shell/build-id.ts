import { createHash } from 'node:crypto';
import path from 'node:path';

/**
 * The build id the device reports: SHA-256 of the packaged `app.asar` (what the signed release
 * manifest lists), or `dev` for an unpackaged app. `readRaw` must read the archive as bytes —
 * in Electron that is `original-fs`, because Electron's `fs` opens an .asar as a folder.
 */
export function buildIdOf(options: { packaged: boolean; resourcesPath: string; readRaw: (file: string) => Buffer }): string {
  if (!options.packaged) return 'dev';
  return createHash('sha256').update(options.readRaw(path.join(options.resourcesPath, 'app.asar'))).digest('hex');
}
