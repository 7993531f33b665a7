import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, PREVIEW_MARKERS } from '../../../scripts/build-app.js';

let out = '';
beforeAll(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'airlock-build-app-'));
  await buildApp(out, () => {});
}, 60_000);
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('scripts/build-app.ts', () => {
  it('writes main, a CommonJS preload, the renderer and package.json', async () => {
    const pkg = JSON.parse(await readFile(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'airlock', main: 'main/main.js', type: 'module' });
    const main = await readFile(path.join(out, 'main', 'main.js'), 'utf8');
    expect(main).toMatch(/from "electron"/);
    expect(main).not.toMatch(/node_modules\/keytar\//);
    // keytar (native CommonJS) is required through createRequire, never import()ed from the ESM bundle.
    expect(main).not.toMatch(/import\(\s*["']keytar["']\s*\)/);
    expect(main).toMatch(/requireHere\(\s*["']keytar["']\s*\)/);
    const preload = await readFile(path.join(out, 'preload', 'preload.cjs'), 'utf8');
    expect(preload).toContain('require("electron")');
    expect(preload).not.toMatch(/^\s*(import|export)\s/m);
    expect(preload.match(/exposeInMainWorld\(/g)).toHaveLength(1);
    expect(await readdir(path.join(out, 'renderer'))).toContain('index.html');
  });

  it('contains no dev-only preview code', async () => {
    const files = (await readdir(out, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
    for (const file of files) {
      const text = await readFile(path.join(file.parentPath, file.name), 'utf8');
      for (const marker of PREVIEW_MARKERS) expect(text.includes(marker), `${file.name} has ${marker}`).toBe(false);
    }
  });
});
