import path from 'node:path';
import { Arch, type AfterPackContext } from 'electron-builder';
import { releaseArch, type ReleaseArch } from '../../protocol/release/manifest.js';
import type { Platform } from '../../protocol/schemas/evidence.js';
import { applyFuses, type FuseOutcome } from '../fuses/apply-fuses.js';
import { hashFile } from '../release/measure.js';
import { assertAsarContents } from '../asar/read-asar.js';

/** What packaging one platform and arch produced, before any installer is made. */
export interface PackedApp {
  platform: Platform;
  arch: ReleaseArch;
  appOutDir: string;
  asarPath: string;
  /** Hex SHA-256 of app.asar: the build id. */
  buildId: string;
  fuses: FuseOutcome;
}

/** The Electron executable and the app.asar inside a packed app folder, per OS layout. */
export function packedPaths(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName' | 'packager'>): { electronPath: string; asarPath: string } {
  const { appOutDir, electronPlatformName, packager } = context;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') {
    const app = path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
    return { electronPath: app, asarPath: path.join(app, 'Contents', 'Resources', 'app.asar') };
  }
  if (electronPlatformName === 'win32') {
    return { electronPath: path.join(appOutDir, `${packager.appInfo.productFilename}.exe`), asarPath: path.join(appOutDir, 'resources', 'app.asar') };
  }
  const executableName = (packager as { executableName?: string }).executableName ?? packager.appInfo.productFilename;
  return { electronPath: path.join(appOutDir, executableName), asarPath: path.join(appOutDir, 'resources', 'app.asar') };
}

/**
 * electron-builder's afterPack: runs once per platform and arch after the app is packed and
 * before anything is signed. Audits app.asar's contents, flips the fuses (a release refuses a binary without a fuse wire)
 * and takes the build id from the packed app.asar, which nothing later rewrites.
 */
export function createAfterPack(options: { requireFuseWire: boolean; log: (line: string) => void; onPacked: (packed: PackedApp) => void }) {
  return async function afterPack(context: AfterPackContext): Promise<void> {
    const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName;
    if (platform !== 'linux' && platform !== 'darwin' && platform !== 'win32') throw new Error(`unsupported platform ${context.electronPlatformName}`);
    const arch = releaseArch.parse(Arch[context.arch]);
    const { electronPath, asarPath } = packedPaths(context);
    assertAsarContents(asarPath);
    const fuses = await applyFuses(electronPath, {
      resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
      requireFuseWire: options.requireFuseWire,
    });
    if (fuses.applied) options.log(`fuses set and read back on ${electronPath}: ${Object.entries(fuses.readBack).map(([k, v]) => `${k}=${v ? 'on' : 'off'}`).join(' ')}`);
    else options.log(`fuses NOT applied: ${fuses.reason}`);
    const { sha256 } = await hashFile(asarPath);
    options.onPacked({ platform, arch, appOutDir: context.appOutDir, asarPath, buildId: sha256, fuses });
  };
}
