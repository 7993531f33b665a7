import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Arch, Platform, build, type ArtifactCreated } from 'electron-builder';
import { z } from 'zod';
import { signReleaseManifest } from '../protocol/release/sign.js';
import { appVersion } from '../protocol/schemas/evidence.js';
import type { ReleaseManifest } from '../protocol/release/manifest.js';
import { createBuilderConfig } from './electron-builder.config.js';
import type { PackedApp } from './hooks/after-pack.js';
import { createNotice, type Notice } from './notice.js';
import { createReleaseManifest } from './release/create-manifest.js';
import { assertNativeTarget } from './native/binary-target.js';
import { listFiles } from './release/measure.js';
import { loadReleaseSigner } from './release/release-key.js';
import { signingPlan, type TargetOs } from './signing/signing-plan.js';

export interface PackageOptions {
  /** The app as scripts/build-app.ts leaves it: main/main.js, preload/preload.cjs, renderer/, package.json. */
  appDir: string;
  /** Where the app is staged with its runtime node_modules (emptied first). */
  stageDir: string;
  outputDir: string;
  /** Where runtime node_modules are copied from (the checkout's node_modules). */
  nodeModulesDir: string;
  os: TargetOs;
  /** `dir` packs the app folder only (no installer); `installers` builds the OS's release targets. */
  kind: 'dir' | 'installers';
  arch: 'x64' | 'arm64';
  electronVersion: string;
  electronDist?: string | undefined;
  requireFuseWire: boolean;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
  now?: Date;
}

export interface PackagedRelease {
  packed: PackedApp;
  manifestFile: string;
  manifest: ReleaseManifest;
  /** The signed manifest, or null when no release key was given (said in one line). */
  signedFile: string | null;
}

const appPackageJson = z.looseObject({ name: z.string().min(1), version: appVersion, main: z.string().min(1) });

/** The native runtime dependency main loads with require(); everything else is bundled into main.js. */
const KEYTAR_RUNTIME = ['lib', 'build/Release/keytar.node', 'LICENSE.md'];

/**
 * Copies the built app and keytar's runtime files into a fresh staging folder, with a package.json
 * naming only that dependency. Refuses first when keytar's binary is not built for the target.
 */
export async function stageApp(options: Pick<PackageOptions, 'appDir' | 'stageDir' | 'nodeModulesDir' | 'os' | 'arch'>): Promise<{ name: string; version: string }> {
  await assertNativeTarget(path.join(options.nodeModulesDir, 'keytar', 'build', 'Release', 'keytar.node'), "keytar's native binary", options.os, options.arch);
  const pkgPath = path.join(options.appDir, 'package.json');
  const pkg = appPackageJson.safeParse(JSON.parse(await readFile(pkgPath, 'utf8').catch(() => {
    throw new Error(`${pkgPath} is missing: build the app first (scripts/build-app.ts)`);
  })));
  if (!pkg.success) throw new Error(`${pkgPath}: ${pkg.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  await rm(options.stageDir, { recursive: true, force: true });
  await mkdir(options.stageDir, { recursive: true });
  await cp(options.appDir, options.stageDir, { recursive: true, filter: (src) => !src.includes(`${path.sep}node_modules`) });
  const keytarSrc = path.join(options.nodeModulesDir, 'keytar');
  const keytarPkg = z.looseObject({ name: z.literal('keytar'), version: z.string(), main: z.string() }).parse(JSON.parse(await readFile(path.join(keytarSrc, 'package.json'), 'utf8')));
  const keytarDst = path.join(options.stageDir, 'node_modules', 'keytar');
  for (const rel of KEYTAR_RUNTIME) await cp(path.join(keytarSrc, rel), path.join(keytarDst, rel), { recursive: true });
  // keytar's own dependencies (node-addon-api, prebuild-install) are build-time only.
  await writeFile(path.join(keytarDst, 'package.json'), JSON.stringify({ name: 'keytar', version: keytarPkg.version, main: keytarPkg.main, license: 'MIT' }, null, 2));
  await writeFile(path.join(options.stageDir, 'package.json'), JSON.stringify({ ...pkg.data, dependencies: { keytar: keytarPkg.version }, devDependencies: undefined, scripts: undefined }, null, 2));
  return { name: pkg.data.name, version: pkg.data.version };
}

const PLATFORM_OF: Record<TargetOs, Platform> = { linux: Platform.LINUX, mac: Platform.MAC, win: Platform.WINDOWS };

/**
 * Packages the built app with electron-builder for one OS and arch, then writes a release
 * manifest per packed platform/arch (build id = SHA-256 of app.asar) and signs it when a release
 * key is given (AIRLOCK_RELEASE_KEY_FILE or AIRLOCK_RELEASE_KEY).
 */
export async function packageApp(options: PackageOptions): Promise<PackagedRelease[]> {
  const notice: Notice = createNotice(options.log);
  const signing = signingPlan([options.os], options.env);
  for (const step of signing.skipped) notice.once(step.key, step.line);
  const { version } = await stageApp(options);

  const packed: PackedApp[] = [];
  const artefacts: ArtifactCreated[] = [];
  const config = createBuilderConfig({
    appDir: options.stageDir,
    outputDir: options.outputDir,
    electronVersion: options.electronVersion,
    electronDist: options.electronDist,
    signing,
    requireFuseWire: options.requireFuseWire,
    npmRebuild: false,
    env: options.env,
    log: options.log,
    notice,
    onPacked: (p) => packed.push(p),
    onArtefact: (a) => {
      artefacts.push(a);
    },
  });
  const arch = options.arch === 'arm64' ? Arch.arm64 : Arch.x64;
  const targetNames = options.kind === 'dir' ? ['dir'] : [];
  await build({ targets: PLATFORM_OF[options.os].createTarget(targetNames.length > 0 ? targetNames : null, arch), config, publish: 'never', projectDir: options.stageDir });

  const releases: PackagedRelease[] = [];
  for (const p of packed) {
    const files =
      options.kind === 'dir'
        ? (await listFiles(p.appOutDir)).map((rel) => path.join(p.appOutDir, ...rel.split('/')))
        : artefacts.filter((a) => a.file !== undefined && (a.arch === null || Arch[a.arch] === p.arch)).map((a) => a.file!);
    if (files.length === 0) throw new Error(`electron-builder produced no artefact for ${p.platform}-${p.arch}`);
    const manifest = await createReleaseManifest({
      version,
      buildId: p.buildId,
      platform: p.platform,
      arch: p.arch,
      outputDir: options.outputDir,
      artefacts: files,
      now: options.now ?? new Date(),
    });
    const manifestFile = path.join(options.outputDir, `airlock-${version}-${p.platform}-${p.arch}.manifest.json`);
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    let signedFile: string | null = null;
    if (options.env.AIRLOCK_RELEASE_KEY_FILE || options.env.AIRLOCK_RELEASE_KEY) {
      const signer = await loadReleaseSigner({ env: options.env });
      signedFile = manifestFile.replace(/\.json$/, '.jws');
      await writeFile(signedFile, `${await signReleaseManifest(manifest, signer)}\n`);
      options.log(`release manifest signed with key ${signer.kid}: ${signedFile} (build id ${p.buildId})`);
    } else {
      notice.once('manifest-sign', `release manifest not signed: set AIRLOCK_RELEASE_KEY_FILE (or AIRLOCK_RELEASE_KEY), or run: airlock-release sign ${manifestFile}`);
    }
    releases.push({ packed: p, manifestFile, manifest, signedFile });
  }
  return releases;
}
