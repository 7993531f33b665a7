/**
 * Builds the desktop app into dist/app/ for electron-builder (build/package-app.ts packages it):
 *   main/main.js        the main process (esbuild, Node platform; electron and keytar stay external)
 *   preload/preload.cjs the sandboxed preload (one CommonJS file: sandboxed preloads cannot be ESM)
 *   renderer/           the React UI (vite build)
 *   package.json        name, version, entry point
 * Then checks that no dev-only preview code reached the output.
 * Usage: node --import tsx scripts/build-app.ts [--out DIR]
 */
import { readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Strings that only the dev-only browser preview contains. */
export const PREVIEW_MARKERS = ['/bridge/session', 'airlock-preview-key', 'Browser preview — development only'];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : Promise.resolve([full]);
  }));
  return nested.flat();
}

export async function buildApp(outDir = path.join(root, 'dist', 'app'), log: (line: string) => void = console.log): Promise<void> {
  const started = Date.now();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string; description?: string };

  await esbuild({
    entryPoints: [path.join(root, 'main', 'main.ts')],
    outfile: path.join(outDir, 'main', 'main.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    // keytar is native (copied beside the app); original-fs and electron are Electron's own.
    external: ['electron', 'keytar', 'original-fs'],
    // Bundled CommonJS dependencies call require(); ESM output needs a real one.
    banner: { js: "import { createRequire as __airlockRequire } from 'node:module'; const require = __airlockRequire(import.meta.url);" },
    legalComments: 'none',
    logLevel: 'warning',
  });

  await esbuild({
    entryPoints: [path.join(root, 'main', 'preload', 'preload.ts')],
    outfile: path.join(outDir, 'preload', 'preload.cjs'),
    bundle: true,
    // The sandboxed preload has no Node: only `electron`'s renderer modules.
    platform: 'browser',
    format: 'cjs',
    target: 'chrome130',
    external: ['electron'],
    legalComments: 'none',
    logLevel: 'warning',
  });

  await viteBuild({
    configFile: path.join(root, 'renderer', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: path.join(outDir, 'renderer'), emptyOutDir: true },
  });

  await writeFile(path.join(outDir, 'package.json'), `${JSON.stringify({
    name: 'airlock',
    productName: 'Airlock',
    version: pkg.version,
    description: pkg.description ?? 'Airlock',
    type: 'module',
    main: 'main/main.js',
    license: 'UNLICENSED',
    private: true,
  }, null, 2)}\n`);

  const files = await filesUnder(outDir);
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const marker = PREVIEW_MARKERS.find((m) => text.includes(m));
    if (marker) throw new Error(`dev-only preview code reached the app build: ${path.relative(outDir, file)} contains "${marker}"`);
  }
  log(`app built in ${Date.now() - started} ms: ${path.relative(process.cwd(), outDir) || outDir} (${files.length} files, no preview code)`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--out');
  const out = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]!) : undefined;
  buildApp(out).catch((error: unknown) => {
    console.error(`build-app: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
