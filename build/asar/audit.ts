/**
 * What may and must be inside the packaged app.asar. The `files` patterns of the
 * electron-builder config decide what goes in; this audit checks the result, so a pattern that
 * lets a test, a fixture, a source map or dev-only code slip through fails the build instead.
 */
const FORBIDDEN: { rule: string; test: RegExp }[] = [
  { rule: 'source map', test: /\.map$/ },
  { rule: 'TypeScript source', test: /\.(?:ts|tsx|mts|cts)$/ },
  { rule: 'test file', test: /\.(?:test|spec)\.[cm]?[jt]sx?$/ },
  { rule: 'test or fixture folder', test: /(?:^|\/)(?:test|tests|__tests__|e2e|fixtures)(?:\/|$)/ },
  { rule: 'dev preview', test: /(?:^|\/)preview(?:\/|$)/ },
  { rule: 'gateway code', test: /(?:^|\/)gateway(?:\/|$)/ },
  { rule: 'key material', test: /\.(?:pem|p12|pfx|key|jwk)$/ },
];

export const REQUIRED_ENTRIES = ['package.json', 'main/main.js', 'preload/preload.cjs', 'renderer/index.html'] as const;

/** `/`-separated paths without a leading slash, as @electron/asar lists them with one. */
export function normaliseEntry(entry: string): string {
  return entry.replace(/\\/g, '/').replace(/^\/+/, '');
}

/** Problems with a list of app.asar entries (files and folders); empty when the contents are as they must be. */
export function auditAsarEntries(entries: readonly string[]): string[] {
  const names = entries.map(normaliseEntry);
  const problems: string[] = [];
  for (const name of names) {
    // Runtime dependencies keep their own layout; only what Airlock ships itself is held to the rules.
    if (name.startsWith('node_modules/')) continue;
    const hit = FORBIDDEN.find((f) => f.test.test(name));
    if (hit !== undefined) problems.push(`${name}: ${hit.rule} must not be packaged`);
  }
  const present = new Set(names);
  for (const required of REQUIRED_ENTRIES) if (!present.has(required)) problems.push(`${required}: missing from the package`);
  return problems;
}
