/**
 * Whether node_modules holds exactly what package-lock.json pins: compares the lockfile's packages with
 * npm's own record of what it installed (node_modules/.package-lock.json, written at the end of every
 * npm install/ci). Plain JavaScript with no dependency because it runs before any dependency exists.
 */

/** @param {unknown} value */
function packagesOf(value) {
  if (typeof value !== 'object' || value === null) return null;
  const packages = /** @type {{ packages?: unknown }} */ (value).packages;
  if (typeof packages !== 'object' || packages === null || Array.isArray(packages)) return null;
  /** @type {Map<string, { version: string | null, optional: boolean }>} */
  const out = new Map();
  for (const [where, entry] of Object.entries(packages)) {
    if (where === '' || typeof entry !== 'object' || entry === null) continue;
    const { version, optional, devOptional } = /** @type {{ version?: unknown, optional?: unknown, devOptional?: unknown }} */ (entry);
    out.set(where, { version: typeof version === 'string' ? version : null, optional: optional === true || devOptional === true });
  }
  return out;
}

/**
 * The differences that make `npm ci` necessary, as short sentences; empty when node_modules matches.
 * Optional packages may be absent (platform builds for other systems); the native modules Airlock
 * needs are optional too, and are checked by loading them (native-modules.mjs), not here.
 * @param {unknown} wantedLock package-lock.json, parsed
 * @param {unknown} installedLock node_modules/.package-lock.json, parsed, or null when it does not exist
 * @returns {string[]}
 */
export function lockDrift(wantedLock, installedLock) {
  const wanted = packagesOf(wantedLock);
  if (!wanted) return ['package-lock.json has no "packages" table (lockfileVersion 2 or later is needed)'];
  if (installedLock === null) return ['node_modules was not installed by npm 7 or later (no node_modules/.package-lock.json)'];
  const installed = packagesOf(installedLock);
  if (!installed) return ['node_modules/.package-lock.json is unreadable'];
  const drift = [];
  for (const [where, want] of wanted) {
    const have = installed.get(where);
    if (!have) {
      if (!want.optional) drift.push(`${where} is missing`);
    } else if (have.version !== want.version) {
      drift.push(`${where} is ${have.version ?? 'unversioned'}, the lockfile pins ${want.version ?? 'unversioned'}`);
    }
  }
  for (const where of installed.keys()) if (!wanted.has(where)) drift.push(`${where} is not in the lockfile`);
  return drift;
}
