import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listPackage } from '@electron/asar';
import { packageApp, type PackageOptions, type PackagedRelease } from '../../../build/package-app.js';
import { listFiles } from '../../../build/release/measure.js';
import { runReleaseCli } from '../../../build/release/cli.js';
import { generateReleaseKey } from '../../../build/release/release-key.js';
import { readBuildInfo } from '../../../main/build-info/build-info.js';
import { buildApp } from '../../../scripts/build-app.js';
import { createReadStream } from 'node:fs';

/**
 * Packages an app with electron-builder's real `dir` target for Linux. The Electron zip cannot be
 * downloaded here, so `electronDist` points at a stand-in Electron folder this test makes (a shell
 * script named `electron`, no fuse wire); everything else is electron-builder's own output.
 */
const repo = path.resolve(import.meta.dirname, '../../..');
const electronVersion = (JSON.parse(readFileSync(path.join(repo, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let keyFile: string;
let pubFile: string;
const lines: string[] = [];
let release: PackagedRelease;
let appFiles: string[];

async function write(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/**
 * The real app, built by scripts/build-app.ts, plus decoys dropped into its output that must never
 * be packaged: the files patterns and the packaging audit have to keep them out.
 */
async function makeApp(appDir: string): Promise<void> {
  await buildApp(appDir, (line) => lines.push(line));
  await write(path.join(appDir, 'main/main.js.map'), '{"version":3}');
  await write(path.join(appDir, 'renderer/assets/index-abc.js.map'), '{}');
  await write(path.join(appDir, 'main/preview/bridge-client.js'), 'dev preview');
  await write(path.join(appDir, 'gateway/dev-gateway.js'), 'dev gateway');
  await write(path.join(appDir, 'test/app.test.js'), 'test');
  await write(path.join(appDir, 'renderer/chat.spec.js'), 'test');
  await write(path.join(appDir, 'fixtures/ca.json'), '{}');
  await write(path.join(appDir, 'main/core/vault.ts'), 'source');
}

async function makeElectronStandIn(electronDir: string): Promise<void> {
  await write(path.join(electronDir, 'electron'), '#!/bin/sh\necho "stand-in Electron: the real binary cannot be downloaded here" >&2\nexit 1\n');
  await chmod(path.join(electronDir, 'electron'), 0o755);
  await write(path.join(electronDir, 'LICENSE'), 'stand-in');
  await write(path.join(electronDir, 'version'), electronVersion);
}

/** packageApp's Linux `dir` target with the stand-in Electron, staged and written under DIR/stageSUFFIX and DIR/outSUFFIX. */
function packageLinuxDir(appDir: string, suffix: string, options: Pick<PackageOptions, 'requireFuseWire' | 'env' | 'log'>): Promise<PackagedRelease[]> {
  return packageApp({
    appDir,
    stageDir: path.join(dir, `stage${suffix}`),
    outputDir: path.join(dir, `out${suffix}`),
    nodeModulesDir: path.join(repo, 'node_modules'),
    os: 'linux',
    kind: 'dir',
    arch: 'x64',
    electronVersion,
    electronDist: path.join(dir, 'electron'),
    ...options,
  });
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-package-'));
  await makeApp(path.join(dir, 'app'));
  appFiles = await listFiles(path.join(dir, 'app'));
  await makeElectronStandIn(path.join(dir, 'electron'));
  keyFile = path.join(dir, 'release-key.jwk');
  const { publicJwk } = await generateReleaseKey(keyFile);
  pubFile = path.join(dir, 'release-key.pub.jwk');
  await writeFile(pubFile, JSON.stringify(publicJwk));
  const started = performance.now();
  const releases = await packageLinuxDir(path.join(dir, 'app'), '', {
    requireFuseWire: false,
    env: { AIRLOCK_RELEASE_KEY_FILE: keyFile },
    log: (line) => lines.push(line),
  });
  lines.push(`packaged in ${Math.round(performance.now() - started)} ms`);
  expect(releases).toHaveLength(1);
  release = releases[0]!;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('electron-builder dir target, Linux, stand-in Electron', () => {
  it('puts the built main, preload, renderer and keytar into app.asar, and nothing else', () => {
    const asarPath = path.join(dir, 'out/linux-unpacked/resources/app.asar');
    const entries = listPackage(asarPath, { isPack: false }).map((e) => e.replace(/\\/g, '/').replace(/^\//, ''));
    for (const required of ['package.json', 'main/main.js', 'preload/preload.cjs', 'renderer/index.html', 'node_modules/keytar/lib/keytar.js']) {
      expect(entries).toContain(required);
    }
    // Every file of the real app build is there, and nothing under the app's own folders besides.
    const built = entries.filter((e) => /^(main|preload|renderer)\/.+\.[a-z]+$/.test(e)).sort();
    expect(built).toEqual(appFiles.filter((f) => /^(main|preload|renderer)\//.test(f) && !/\.map$|(^|\/)(preview|test|fixtures|gateway)\/|\.spec\.|\.ts$/.test(f)).sort());
    expect(built.some((f) => /^renderer\/assets\/.+\.js$/.test(f))).toBe(true);
    expect(entries.filter((e) => /\.map$|\.ts$|(^|\/)(test|fixtures|preview|gateway)(\/|$)|\.spec\./.test(e))).toEqual([]);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'stage/package.json'), 'utf8'));
    expect(pkg.dependencies).toEqual({ keytar: expect.any(String) });
    // The native addon is outside the archive (a .node file must be a real file to load).
    expect(readFileSync(path.join(dir, 'out/linux-unpacked/resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node')).length).toBeGreaterThan(1000);
  });

  it('takes the build id as the SHA-256 of the packaged app.asar, the same the app reads at run time', async () => {
    const asarPath = path.join(dir, 'out/linux-unpacked/resources/app.asar');
    expect(release.packed.asarPath).toBe(asarPath);
    expect(release.packed.buildId).toBe(sha256(asarPath));
    expect(release.manifest.buildId).toBe(sha256(asarPath));
    const atRunTime = await readBuildInfo({ appPath: asarPath, isPackaged: true, createReadStream: (f) => createReadStream(f) });
    expect(atRunTime.buildId).toBe(release.manifest.buildId);
    expect(release.manifest).toMatchObject({ version: '0.1.0', platform: 'linux', arch: 'x64' });
  });

  it('lists every artefact of the packed app with its real hash and size', async () => {
    const appOut = path.join(dir, 'out/linux-unpacked');
    const onDisk = await listFiles(appOut);
    expect(onDisk).toContain('airlock');
    expect(release.manifest.artefacts.map((a) => a.name)).toEqual(onDisk.map((f) => `linux-unpacked/${f}`));
    for (const artefact of release.manifest.artefacts) {
      const file = path.join(dir, 'out', artefact.name);
      expect(artefact.sha256, artefact.name).toBe(sha256(file));
      expect(artefact.size, artefact.name).toBe(readFileSync(file).length);
    }
    expect(release.manifest.artefacts.find((a) => a.name === 'linux-unpacked/resources/app.asar')?.sha256).toBe(release.manifest.buildId);
  });

  it('signs the manifest, which then verifies with the release public key and refuses a changed artefact', async () => {
    expect(release.signedFile).toBe(path.join(dir, 'out/airlock-0.1.0-linux-x64.manifest.jws'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l), env: {} };
    expect(await runReleaseCli(['verify', release.signedFile!, '--trusted-key', pubFile, '--json'], io), err.join('\n')).toBe(0);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: true, buildId: release.packed.buildId, artefacts: release.manifest.artefacts.length });

    const asarPath = path.join(dir, 'out/linux-unpacked/resources/app.asar');
    const original = await readFile(asarPath);
    const changed = Buffer.from(original);
    changed.writeUInt8(changed.readUInt8(changed.length - 1) ^ 1, changed.length - 1);
    await writeFile(asarPath, changed);
    try {
      expect(await runReleaseCli(['verify', release.signedFile!, '--trusted-key', pubFile], io)).toBe(1);
      expect(err.at(-1)).toContain('release_artefact_mismatch');
      expect(err.at(-1)).toContain('app.asar');
    } finally {
      await writeFile(asarPath, original);
    }
  });

  it('says in one line that the stand-in has no fuse wire, and reports skipped signing steps', () => {
    console.log(lines.join('\n'));
    expect(release.packed.fuses).toEqual({ applied: false, reason: expect.stringContaining('no Electron fuse wire') });
    expect(lines.filter((l) => l.startsWith('fuses NOT applied'))).toHaveLength(1);
    expect(lines.some((l) => l.startsWith('release manifest signed with key'))).toBe(true);
  });
});

describe('the packaging audit', () => {
  it('fails the build when something outside the rules reaches app.asar', async () => {
    const appDir = path.join(dir, 'app-bad');
    await cp(path.join(dir, 'app'), appDir, { recursive: true });
    await write(path.join(appDir, 'renderer/release-key.pem'), 'not a real key');
    const error = await packageLinuxDir(appDir, '-bad', { requireFuseWire: false, env: {}, log: () => {} }).then(() => null, (e: unknown) => e);
    expect(String(error)).toContain('renderer/release-key.pem: key material must not be packaged');
  }, 60_000);

  it('refuses, for a release, an Electron binary without a fuse wire', async () => {
    const error = await packageLinuxDir(path.join(dir, 'app'), '-release', { requireFuseWire: true, env: {}, log: () => {} }).then(() => null, (e: unknown) => e);
    expect(String(error)).toContain('cannot flip the Electron fuses');
  }, 60_000);
});
