import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const RENDERER = fileURLToPath(new URL('../../renderer/', import.meta.url));
const STAMP = '.source-hash';

/** A hash of everything the renderer build reads from the checkout (sources, page, config). */
async function sourceHash(): Promise<string> {
  const entries = await readdir(RENDERER, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(path.relative(RENDERER, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex');
}

/**
 * Builds the renderer into `outDir` with the same config as the app (used by the preview and tests).
 * With `reuse`, a previous build of the same sources is kept, which makes a repeated `npm start` faster.
 */
export async function buildRenderer(outDir: string, options: { reuse?: boolean } = {}): Promise<void> {
  const hash = await sourceHash();
  if (options.reuse && (await readFile(path.join(outDir, STAMP), 'utf8').catch(() => '')) === hash) return;
  await build({
    configFile: path.join(RENDERER, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  await writeFile(path.join(outDir, STAMP), hash);
}
