/**
 * The gateway as compiled JavaScript (issue 19): tsx compiles every module at start and leaves
 * `__name` wrappers in the hot path; esbuild transpiles gateway/ and protocol/ file by file into
 * dist/node/ (same tree, same relative imports), and bin/airlock-gateway.mjs runs that copy when
 * it is at least as new as every source file, else the TypeScript through tsx as before.
 *
 *   node scripts/compiled-gateway.mjs      (npm run build:gateway; `npm run bench` runs it first)
 *
 * dist/node/package.json links back to the repository's: the CLI reads its version relative to
 * its own file (`../../`), and the console finds the repository (its sources, and the one
 * dist/console every gateway serves) through that link's real path (gateway/console/assets.ts).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'dist', 'node');
const STAMP = join(OUT, '.built');
const SOURCES = ['gateway', 'protocol'];
const LINKS = ['package.json'];

/** Every .ts source file and every folder of gateway/ and protocol/ (a folder's mtime moves when a file is added or removed). */
function walk(dir, into) {
  into.push(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) into.push(path);
  }
  return into;
}

function sources() {
  return SOURCES.flatMap((dir) => walk(join(ROOT, dir), []));
}

/** The compiled CLI entry when dist/node is at least as new as every source, else null. */
export function freshCompiledEntry() {
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return null;
  }
  for (const path of sources()) if (statSync(path).mtimeMs > built) return null;
  return join(OUT, 'gateway', 'cli', 'main.js');
}

/** Transpiles gateway/ and protocol/ into dist/node/ (about a second); returns the number of files. */
export async function buildGateway() {
  const { build } = await import('esbuild');
  const files = sources().filter((path) => path.endsWith('.ts'));
  // Taken before reading the sources: a file saved during the build makes the copy stale, not silently fresh.
  const startedAt = new Date();
  rmSync(OUT, { recursive: true, force: true });
  await build({
    entryPoints: files,
    outdir: OUT,
    outbase: ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const link of LINKS) if (existsSync(join(ROOT, link))) symlinkSync(relative(OUT, join(ROOT, link)), join(OUT, link));
  mkdirSync(dirname(STAMP), { recursive: true });
  writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
  const { utimesSync } = await import('node:fs');
  utimesSync(STAMP, startedAt, startedAt);
  return files.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const count = await buildGateway();
  process.stdout.write(`compiled ${count} gateway and protocol files into ${relative(ROOT, OUT)}/\n`);
}
