/**
 * Airlock's two native modules, better-sqlite3 (the gateway's store) and keytar (the app's keychain), are
 * optionalDependencies: npm builds dependencies' install scripts BEFORE the root package's own
 * preinstall, so on a machine without a compiler and libsecret a required native dependency fails the
 * whole `npm install` before Airlock can install anything. As optional ones, a failed build leaves them
 * out and the root postinstall (after-install.mjs) installs the system packages and builds them again.
 * Plain JavaScript with no dependency: it runs before and during installation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const NATIVE_MODULES = ['better-sqlite3', 'keytar'];

/**
 * Loads each native module from the project at `root`; returns the names that do not load (not
 * installed, build failed, or a shared library such as libsecret missing).
 * @param {string} root
 * @returns {string[]}
 */
export function unloadableNativeModules(root) {
  const require = createRequire(path.join(root, 'package.json'));
  const failed = [];
  for (const name of NATIVE_MODULES) {
    try {
      const loaded = require(name);
      // better-sqlite3 loads its .node file on the first database, not on require.
      if (name === 'better-sqlite3') new loaded(':memory:').close();
    } catch {
      failed.push(name);
    }
  }
  return failed;
}

/**
 * The environment for an npm run that builds native modules. node-gyp downloads Node's headers from
 * nodejs.org unless told where they are; Node installed from a package (Debian, NodeSource) ships them
 * in PREFIX/include/node. When those match the running Node exactly, point node-gyp at them, so a
 * machine that cannot reach nodejs.org still builds.
 * @param {NodeJS.ProcessEnv} env
 * @returns {NodeJS.ProcessEnv}
 */
export function buildEnv(env) {
  if (env.npm_config_nodedir) return env;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const versionHeader = path.join(prefix, 'include', 'node', 'node_version.h');
  if (!existsSync(versionHeader)) return env;
  const text = readFileSync(versionHeader, 'utf8');
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  const headers = `v${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
  return headers === process.version ? { ...env, npm_config_nodedir: prefix } : env;
}
