/**
 * `npm run package`: builds the app (scripts/build-app.ts), then packages it with electron-builder
 * for the current OS (or --linux / --mac / --win), flips the fuses, writes the release manifest and
 * signs it when a release key is set. Where Electron cannot be had, it stops with one line.
 *
 *   node --import tsx build/package.ts [--linux|--mac|--win] [--arch x64|arm64] [--dir]
 *                                      [--electron-dist DIR] [--skip-app-build]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { packageApp } from './package-app.js';
import { electronZipUrl, localElectronDist, probeDownload } from './electron-source.js';
import type { TargetOs } from './signing/signing-plan.js';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function hostOs(): TargetOs {
  return process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux';
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      linux: { type: 'boolean' },
      mac: { type: 'boolean' },
      win: { type: 'boolean' },
      arch: { type: 'string' },
      dir: { type: 'boolean' },
      'electron-dist': { type: 'string' },
      'skip-app-build': { type: 'boolean' },
    },
    strict: true,
  });
  const chosen = (['linux', 'mac', 'win'] as const).filter((os) => values[os] === true);
  if (chosen.length > 1) throw new Error('package one OS per run: --linux, --mac or --win');
  const os = chosen[0] ?? hostOs();
  const arch = values.arch ?? (process.arch === 'arm64' ? 'arm64' : 'x64');
  if (arch !== 'x64' && arch !== 'arm64') throw new Error(`--arch must be x64 or arm64, not ${arch}`);
  const electronVersion = (JSON.parse(readFileSync(path.join(repoDir, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;

  const electronDist = localElectronDist({ repoDir, os, arch, given: values['electron-dist'] });
  if (electronDist === null) {
    const url = electronZipUrl(electronVersion, os, arch, process.env);
    const probe = await probeDownload(url);
    if (!probe.ok) {
      console.error(`package: stopped: Electron ${electronVersion} for ${os}-${arch} cannot be downloaded here (${url}: ${probe.reason}); run npm install where Electron's download works, or pass --electron-dist DIR.`);
      return 1;
    }
  }

  const appDir = path.join(repoDir, 'dist', 'app');
  if (values['skip-app-build'] !== true) {
    execFileSync(process.execPath, ['--import', 'tsx', path.join(repoDir, 'scripts', 'build-app.ts'), '--out', appDir], { stdio: 'inherit', cwd: repoDir });
  }
  const releases = await packageApp({
    appDir,
    stageDir: path.join(repoDir, 'dist', 'stage'),
    outputDir: path.join(repoDir, 'dist', 'release'),
    nodeModulesDir: path.join(repoDir, 'node_modules'),
    os,
    kind: values.dir === true ? 'dir' : 'installers',
    arch,
    electronVersion,
    electronDist: electronDist ?? undefined,
    requireFuseWire: true,
    env: process.env,
    log: (line) => console.log(`package: ${line}`),
  });
  for (const r of releases) {
    console.log(`package: ${r.packed.platform}-${r.packed.arch} build ${r.packed.buildId}: ${r.manifest.artefacts.length} artefacts, manifest ${r.signedFile ?? r.manifestFile}`);
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`package: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
