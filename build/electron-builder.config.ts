import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactCreated, Configuration } from 'electron-builder';
import { createAfterPack, type PackedApp } from './hooks/after-pack.js';
import { createNotarizeHook } from './hooks/notarize.js';
import { createWindowsSign } from './hooks/sign-windows.js';
import type { Notice } from './notice.js';
import type { SigningPlan } from './signing/signing-plan.js';

const BUILD_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface BuilderConfigOptions {
  /** The staged app folder: built main, preload, renderer, package.json and the runtime node_modules. */
  appDir: string;
  outputDir: string;
  electronVersion: string;
  /** An unpacked Electron (node_modules/electron/dist, or a test's stand-in); otherwise electron-builder downloads the zip. */
  electronDist?: string | undefined;
  signing: SigningPlan;
  /** A release refuses an Electron binary without a fuse wire; only a test's stand-in may lack one. */
  requireFuseWire: boolean;
  /** Rebuild native modules for Electron. keytar is N-API, so the Node build loads in Electron and this stays off. */
  npmRebuild: boolean;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  notice: Notice;
  onPacked: (packed: PackedApp) => void;
  onArtefact: (artefact: ArtifactCreated) => void;
}

/**
 * What goes into app.asar, relative to the staged app folder: the built app and nothing else.
 * build/asar/audit.ts checks the result at packaging, so these patterns cannot silently drift.
 */
export const APP_FILES: readonly string[] = [
  'package.json',
  'main/**/*',
  'preload/**/*',
  'renderer/**/*',
  'node_modules/keytar/package.json',
  'node_modules/keytar/lib/**/*',
  'node_modules/keytar/build/Release/*.node',
  '!**/*.map',
  '!**/*.{ts,tsx,mts,cts}',
  '!**/*.{test,spec}.*',
  '!**/{test,tests,__tests__,e2e,fixtures}/**',
  '!**/preview/**',
  '!**/gateway/**',
];

/**
 * The electron-builder configuration for every Airlock release (Linux deb, macOS dmg, Windows NSIS).
 *
 * Linux ships a deb only. Its desktop file names `x-scheme-handler/airlock` (electron-builder writes
 * MimeType from `protocols`) and its post-install runs update-desktop-database, so invite links
 * work from install; on Ubuntu 24.04+ it also installs the AppArmor profile that lets Chromium's
 * sandbox make its user namespace. An AppImage has neither: it does not start there without
 * `--no-sandbox`, which Airlock never ships, and it registers no link handler. Hence no AppImage.
 */
export function createBuilderConfig(o: BuilderConfigOptions): Configuration {
  const entitlements = path.join(BUILD_DIR, 'entitlements.mac.plist');
  return {
    appId: 'dev.airlock.desktop',
    productName: 'Airlock',
    copyright: 'Airlock',
    directories: { app: o.appDir, output: o.outputDir, buildResources: BUILD_DIR },
    electronVersion: o.electronVersion,
    ...(o.electronDist === undefined ? {} : { electronDist: o.electronDist }),
    npmRebuild: o.npmRebuild,
    nodeGypRebuild: false,
    buildDependenciesFromSource: false,
    includePdb: false,
    // Only the native addon leaves the archive (it must be a real file to be loaded); everything else is covered by ASAR integrity.
    asar: { smartUnpack: false },
    asarUnpack: ['node_modules/keytar/build/Release/*.node'],
    // A copy: electron-builder normalises the list in place, which would spoil the next build in this process.
    files: [...APP_FILES],
    // Fuses are flipped by our afterPack (build/fuses/), where they are also read back.
    electronFuses: null,
    afterPack: createAfterPack({ requireFuseWire: o.requireFuseWire, log: o.log, onPacked: o.onPacked }),
    afterSign: createNotarizeHook({ env: o.env, notice: o.notice, log: o.log }),
    artifactBuildCompleted: o.onArtefact,
    publish: null,
    protocols: [{ name: 'Airlock invite', schemes: ['airlock'] }],
    linux: {
      target: ['deb'],
      executableName: 'airlock',
      category: 'Network',
      maintainer: 'Airlock release team',
      synopsis: 'Secure access to an unreleased model for invited testers',
    },
    // electron-builder's default deb depends already include libsecret-1-0, which keytar needs.
    mac: {
      target: ['dmg'],
      category: 'public.app-category.developer-tools',
      hardenedRuntime: true,
      gatekeeperAssess: false,
      entitlements,
      entitlementsInherit: entitlements,
      // No credentials: signing is off outright (and said so), not left to whatever identity the keychain holds.
      ...(o.signing.macSign ? {} : { identity: null }),
      // Notarization is our afterSign hook, so it is skipped with one line rather than by electron-builder's own logic.
      notarize: false,
    },
    dmg: { sign: false },
    win: {
      target: ['nsis'],
      // keytar.node is code the app loads: signed like the executables.
      signExts: ['.node'],
      signtoolOptions: { sign: createWindowsSign({ notice: o.notice }), signingHashAlgorithms: ['sha256'] },
    },
    // Per machine, under Program Files: a per-user folder is writable by any process of that user,
    // which could replace the app. build/nsis/protocol.nsh registers airlock:// at install (HKLM).
    nsis: { oneClick: false, perMachine: true, allowElevation: true, allowToChangeInstallationDirectory: false, include: path.join(BUILD_DIR, 'nsis', 'protocol.nsh') },
  };
}
