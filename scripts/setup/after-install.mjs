#!/usr/bin/env node
/**
 * The root postinstall of a plain `npm install`. npm runs it after every dependency's install script,
 * so a native module that could not build on this machine (no compiler, no libsecret) has been left
 * out by then (they are optionalDependencies, see native-modules.mjs). This installs the missing system
 * packages when it can (root with apt-get) and runs `npm install` once more to build them; when it
 * cannot, it stops the install with one line that says exactly what to run.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEnv, unloadableNativeModules } from './native-modules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const say = (line) => process.stderr.write(`airlock: ${line}\n`);
const systemDeps = path.join(root, 'scripts', 'system-deps.sh');

const failed = unloadableNativeModules(root);
if (failed.length === 0) process.exit(0);
const names = failed.join(' and ');

if (process.env.AIRLOCK_SETUP_NESTED) {
  // Second attempt (or npm ci from ensure-deps.mjs, after system-deps.sh): the system packages are there.
  say(`${names} did not build although the system packages are installed; run  npm rebuild ${failed.join(' ')} --foreground-scripts  to see the compiler's error`);
  process.exit(1);
}

const missing = spawnSync('bash', [systemDeps, '--for', 'install', '--list-missing'], { encoding: 'utf8' });
const missingPackages = missing.status === 0 ? missing.stdout.trim() : 'unknown';
const canInstall = process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (missingPackages !== '' && !canInstall) {
  // A stock server image may have no sudo (Debian's minbase has none): then say "as root" instead.
  const hasSudo = spawnSync('sh', ['-c', 'command -v sudo'], { stdio: 'ignore' }).status === 0;
  say(hasSudo
    ? `${names} need system packages to build (${missingPackages}); run:  sudo bash scripts/system-deps.sh --for install && npm install`
    : `${names} need system packages to build (${missingPackages}); run as root (su -):  bash scripts/system-deps.sh --for install, then npm install`);
  process.exit(1);
}
if (missingPackages !== '') {
  const installed = spawnSync('bash', [systemDeps, '--for', 'install'], { stdio: 'inherit' });
  if (installed.status !== 0) process.exit(installed.status ?? 1);
}
say(`building ${names} now that the system packages are installed (npm install, once more)`);
const again = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...buildEnv(process.env), AIRLOCK_SETUP_NESTED: '1' } });
process.exit(again.status ?? 1);
