/**
 * scripts/setup/lock-drift.mjs decides whether `npm start` / `npm test` must run `npm ci` first: node_modules
 * must hold exactly the versions package-lock.json pins (optional packages may be absent: other
 * platforms' builds, and the native modules, which ensure-deps.mjs checks by loading them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDrift } from '../../../scripts/setup/lock-drift.mjs';

const lock = (packages: Record<string, { version?: string; optional?: boolean; dev?: boolean }>) => ({
  name: 'airlock',
  lockfileVersion: 3,
  packages: { '': { name: 'airlock' }, ...packages },
});

describe('lockDrift', () => {
  const wanted = lock({
    'node_modules/zod': { version: '4.6.7' },
    'node_modules/vitest': { version: '4.1.12', dev: true },
    'node_modules/@esbuild/darwin-arm64': { version: '0.28.2', optional: true },
  });

  it('is empty when node_modules holds what the lockfile pins (an absent optional package is fine)', () => {
    const installed = lock({ 'node_modules/zod': { version: '4.6.7' }, 'node_modules/vitest': { version: '4.1.12' } });
    expect(lockDrift(wanted, installed)).toEqual([]);
  });

  it('names a package at another version', () => {
    const installed = lock({ 'node_modules/zod': { version: '4.6.6' }, 'node_modules/vitest': { version: '4.1.12' } });
    expect(lockDrift(wanted, installed)).toEqual(['node_modules/zod is 4.6.6, the lockfile pins 4.6.7']);
  });

  it('names a missing required package and one the lockfile does not have', () => {
    const installed = lock({ 'node_modules/zod': { version: '4.6.7' }, 'node_modules/left-pad': { version: '1.3.0' } });
    expect(lockDrift(wanted, installed)).toEqual(['node_modules/vitest is missing', 'node_modules/left-pad is not in the lockfile']);
  });

  it('says so when node_modules was not installed by npm 7+ (no hidden lockfile) or the lockfile is old', () => {
    expect(lockDrift(wanted, null)).toEqual(['node_modules was not installed by npm 7 or later (no node_modules/.package-lock.json)']);
    expect(lockDrift({ lockfileVersion: 1, dependencies: {} }, lock({}))[0]).toMatch(/no "packages" table/);
  });
});

describe('ensure-deps.mjs', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const project = (installed: object | null) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-ensure-deps-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock({ 'node_modules/zod': { version: '4.6.7' } })));
    if (installed) {
      mkdirSync(path.join(dir, 'node_modules'));
      writeFileSync(path.join(dir, 'node_modules', '.package-lock.json'), JSON.stringify(installed));
    }
    return dir;
  };
  const run = (root: string, ...args: string[]) => spawnSync(process.execPath, [path.resolve('scripts/setup/ensure-deps.mjs'), ...args], { env: { ...process.env, AIRLOCK_ROOT: root }, encoding: 'utf8' });

  it('--check reports stale node_modules in one line and exits 1', () => {
    const result = run(project(lock({ 'node_modules/zod': { version: '3.0.0' } })), '--check');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('airlock: node_modules is not ready: node_modules/zod is 3.0.0, the lockfile pins 4.6.7\n');
  });

  it('--check on an in-sync tree goes on to load the native modules, and names the one that is absent', () => {
    const result = run(project(lock({ 'node_modules/zod': { version: '4.6.7' } })), '--check');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('airlock: node_modules is not ready: better-sqlite3 does not load (not built for this machine) (and 1 more)\n');
  });

  it('never replaces a symlinked node_modules (a git worktree sharing one install) with npm ci', () => {
    const shared = project(lock({ 'node_modules/zod': { version: '3.0.0' } }));
    const worktree = project(null);
    symlinkSync(path.join(shared, 'node_modules'), path.join(worktree, 'node_modules'));
    const result = run(worktree);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^airlock: node_modules is not ready \(node_modules\/zod is 3\.0\.0, the lockfile pins 4\.6\.7\) and is a link to .*: run npm ci there, not here\n$/);
  });

  it('passes on this checkout (the shared install matches the committed lockfile and the native modules load)', () => {
    const result = run(path.resolve('.'), '--check');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
