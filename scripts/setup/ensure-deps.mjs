#!/usr/bin/env node
/**
 * `npm start`, `npm test` and `npm run bench` call this after scripts/system-deps.sh: when node_modules
 * is missing, or differs from package-lock.json, or a native module does not load, it runs a
 * lockfile-exact `npm ci`; otherwise it does nothing (a few milliseconds). `--check` only reports.
 * Plain JavaScript with no dependency: on a fresh clone nothing is installed yet.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lockDrift } from './lock-drift.mjs';
import { buildEnv, unloadableNativeModules } from './native-modules.mjs';

const root = path.resolve(process.env.AIRLOCK_ROOT ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
const checkOnly = process.argv.includes('--check');
const say = (line) => process.stderr.write(`airlock: ${line}\n`);

function readJson(file) {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** What is wrong with node_modules, as sentences; empty when it is ready. */
function problems() {
  const wanted = readJson(path.join(root, 'package-lock.json'));
  if (!wanted) return ['package-lock.json is missing or not JSON'];
  if (!existsSync(path.join(root, 'node_modules'))) return ['node_modules does not exist yet (a fresh clone)'];
  const drift = lockDrift(wanted, readJson(path.join(root, 'node_modules', '.package-lock.json')) ?? null);
  if (drift.length > 0) return drift;
  return unloadableNativeModules(root).map((name) => `${name} does not load (not built for this machine)`);
}

const before = problems();
if (before.length === 0) process.exit(0);
const summary = `${before[0]}${before.length > 1 ? ` (and ${before.length - 1} more)` : ''}`;
if (checkOnly) {
  say(`node_modules is not ready: ${summary}`);
  process.exit(1);
}

// A symlinked node_modules belongs to another checkout (a git worktree sharing one install): npm ci
// would replace the link with a folder of its own. Say where to install instead.
const modules = path.join(root, 'node_modules');
if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
  say(`node_modules is not ready (${summary}) and is a link to ${realpathSync(modules)}: run npm ci there, not here`);
  process.exit(1);
}

say(`installing npm dependencies exactly as package-lock.json pins them (npm ci): ${summary}`);
// AIRLOCK_SETUP_NESTED: the postinstall (after-install.mjs) reports a failed native build in one line
// instead of retrying; system-deps.sh has already run.
const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', env: { ...buildEnv(process.env), AIRLOCK_SETUP_NESTED: '1' } });
if (ci.status !== 0) {
  say(`npm ci failed (exit ${ci.status ?? ci.signal}); its output is above`);
  process.exit(1);
}
const after = problems();
if (after.length > 0) {
  say(`node_modules is still not ready after npm ci: ${after[0]}`);
  process.exit(1);
}
say('npm dependencies ready');
