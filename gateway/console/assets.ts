/**
 * The console app's built files. They are not in git: the gateway builds console/ with Vite when
 * the build is missing or was made from other sources (a hash of console/ kept beside it), so a
 * fresh clone's first `serve --console-listen` builds it once (a few seconds) and later starts
 * reuse it. `npm run build:console` does the same ahead of time (a deployment without dev
 * dependencies builds on a machine that has them and ships dist/console).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';

// The repository's root, the same for the TypeScript sources and the compiled copy in dist/node/
// (whose package.json is a link back to the repository's): a build of the console, by
// `npm run build:console` or by any gateway, is one dist/console that every gateway serves.
const ROOT = dirname(realpathSync(fileURLToPath(new URL('../../package.json', import.meta.url))));
export const CONSOLE_SOURCE = join(ROOT, 'console');
export const CONSOLE_DIST = join(ROOT, 'dist', 'console');
const STAMP = '.source-hash';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)).sort();
}

/** SHA-256 over every file of console/ (path and content), so any edit means a rebuild. */
export async function sourceHash(sourceDir = CONSOLE_SOURCE): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await filesUnder(sourceDir)) hash.update(`${relative(sourceDir, file)}\0`).update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

/** Where, inside the build, the gateway's first drawing of a page is (dist/console/.ssr/first-paint.js). Not served: dotfiles are not. */
export const FIRST_PAINT_MODULE = join('.ssr', 'first-paint.js');

function runVite(outDir: string, extra: string[] = []): Promise<void> {
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vite, 'build', '--mode', 'production', '--config', join(CONSOLE_SOURCE, 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn', ...extra], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`vite build exited ${code}: ${stderr.trim()}`))));
  });
}

/** Builds console/ into `outDir` unless it already holds a build of the current sources. */
export async function buildConsole(outDir = CONSOLE_DIST): Promise<{ built: boolean }> {
  const want = await sourceHash();
  const have = await readFile(join(outDir, STAMP), 'utf8').catch(() => null);
  if (have === want && existsSync(join(outDir, 'index.html'))) return { built: false };
  // Built beside, then swapped in, so a page being served never sees half a build.
  await mkdir(dirname(outDir), { recursive: true });
  const temp = await mkdtemp(`${outDir}.tmp-`);
  try {
    await runVite(temp);
    // The browser's files and the gateway's drawing of the same pages, swapped in together.
    await runVite(join(temp, dirname(FIRST_PAINT_MODULE)), ['--ssr', join(CONSOLE_SOURCE, 'src', 'first-paint.tsx')]);
    await writeFile(join(temp, STAMP), want);
    await rm(outDir, { recursive: true, force: true });
    await rename(temp, outDir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    // Another gateway built the same sources at the same moment: theirs will do.
    if ((await readFile(join(outDir, STAMP), 'utf8').catch(() => null)) === want) return { built: false };
    throw error;
  }
  return { built: true };
}

/**
 * The directory to serve, at once; when the build is missing or stale it is (re)built in the
 * background, so the gateway's start never waits for Vite. Until it is there the console page says
 * so; when building fails, the reason is logged and the page says how to build by hand.
 */
export function consoleAssets(log: Logger): string {
  if (existsSync(CONSOLE_SOURCE)) {
    buildConsole().then(
      ({ built }) => {
        if (built) log.info('built the admin console app', { dir: CONSOLE_DIST });
      },
      (error: unknown) => log.warn('could not build the admin console app; run "npm run build:console"', { error: error instanceof Error ? error.message : String(error) }),
    );
  }
  return CONSOLE_DIST;
}
