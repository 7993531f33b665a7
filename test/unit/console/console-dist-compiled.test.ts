/**
 * The compiled gateway (scripts/compiled-gateway.mjs: dist/node/, with package.json linked back)
 * serves the same dist/console as the TypeScript sources, which the tests and
 * `npm run build:console` build. It used to resolve dist/node/dist/console: a compiled gateway
 * (after `npm run bench` or `build:gateway`) then ignored a build made ahead of time, rebuilt the
 * console on its first start (vite, a dev dependency) and said "not built" until done.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_DIST, CONSOLE_SOURCE } from '../../../gateway/console/assets.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

describe('where the console build is, from the sources and from the compiled copy', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('is the repository\'s dist/console from the TypeScript sources', () => {
    expect(CONSOLE_DIST).toBe(join(REPO, 'dist', 'console'));
    expect(CONSOLE_SOURCE).toBe(join(REPO, 'console'));
  });

  it('is the same from a copy compiled into dist/node/ as compiled-gateway.mjs lays it out', async () => {
    const root = await realpath(await mkdtemp(join(tmpdir(), 'airlock-compiled-layout-')));
    dirs.push(root);
    await writeFile(join(root, 'package.json'), '{"name":"layout","type":"module"}');
    const out = join(root, 'dist', 'node');
    await build({ entryPoints: [join(REPO, 'gateway', 'console', 'assets.ts')], outdir: join(out, 'gateway', 'console'), bundle: false, format: 'esm', platform: 'node', logLevel: 'warning' });
    await mkdir(out, { recursive: true });
    await symlink('../../package.json', join(out, 'package.json'));
    const compiled = (await import(pathToFileURL(join(out, 'gateway', 'console', 'assets.js')).href)) as { CONSOLE_DIST: string; CONSOLE_SOURCE: string };
    expect(compiled.CONSOLE_DIST).toBe(join(root, 'dist', 'console'));
    expect(compiled.CONSOLE_SOURCE).toBe(join(root, 'console'));
  });
});
