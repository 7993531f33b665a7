import { createHash } from 'node:crypto';
import path from 'node:path';

/** What the running app says about its own build, in its evidence. */
export interface BuildInfo {
  /** Hex SHA-256 of the app.asar the app was loaded from, or `dev`. */
  buildId: string;
  packaged: boolean;
  /** The archive that was hashed, or null for `dev`. */
  asarPath: string | null;
}

export interface BuildInfoDeps {
  /** Electron's `app.getAppPath()`: for a packaged app, the `…/resources/app.asar` it was loaded from. */
  appPath: string;
  /** Electron's `app.isPackaged`. */
  isPackaged: boolean;
  /**
   * Streams a file's raw bytes. In Electron this must be `original-fs`'s createReadStream:
   * Electron's patched `fs` opens an .asar as a folder, not as the bytes the manifest hashed.
   */
  createReadStream: (file: string) => AsyncIterable<Uint8Array | string>;
}

/**
 * Reads the build id the way build/ computes it at packaging: SHA-256 over the whole app.asar
 * the app was loaded from, streamed so start-up never holds the archive in memory. An unpackaged
 * app, or a packaged one not running from an archive (what the OnlyLoadAppFromAsar fuse
 * prevents), reports `dev`, which a gateway requiring trusted builds refuses.
 */
export async function readBuildInfo(deps: BuildInfoDeps): Promise<BuildInfo> {
  if (!deps.isPackaged || path.basename(deps.appPath) !== 'app.asar') return { buildId: 'dev', packaged: deps.isPackaged, asarPath: null };
  const hash = createHash('sha256');
  for await (const chunk of deps.createReadStream(deps.appPath)) hash.update(chunk);
  return { buildId: hash.digest('hex'), packaged: true, asarPath: deps.appPath };
}
