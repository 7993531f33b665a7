import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { consoleFindings, importsOf, listFiles, protocolFindings, readSource, rendererFindings } from './source-imports.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
// AIRLOCK_DEPCRUISE: another dependency-cruiser install to run (for checking this test against a parser setup).
const DEPCRUISE = process.env.AIRLOCK_DEPCRUISE ?? join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
/** The folders `npm run lint:imports` names (package.json), as far as they exist yet. */
const LINTED = ['protocol', 'gateway', 'main', 'renderer', 'console', 'build', 'bench', 'test'];
/** DESIGN.md's parts plus the entry points (bin/, scripts/): every folder with code must be one of these. */
const KNOWN_FOLDERS = new Set(['protocol', 'gateway', 'main', 'renderer', 'console', 'build', 'test', 'bench', 'scripts', 'bin']);
/** Generated or git-ignored output, not source. */
const NOT_SOURCE = new Set(['node_modules', 'dist', 'out', 'release', 'coverage', 'test-results', 'airlock-data']);

function depcruise(cwd: string, folders: string[]): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', '.dependency-cruiser.cjs', ...folders], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

function write(root: string, file: string, text: string): void {
  mkdirSync(dirname(join(root, file)), { recursive: true });
  writeFileSync(join(root, file), text);
}

describe('dependency-cruiser import rules (npm run lint:imports)', () => {
  it('passes on the real tree, and actually reads the TypeScript', () => {
    const { status, output } = depcruise(ROOT, LINTED.filter((f) => existsSync(join(ROOT, f))));
    expect(output, output).toMatch(/no dependency violations found \((\d+) modules/);
    const modules = Number(/\((\d+) modules/.exec(output)?.[1]);
    // A cruise that cannot parse .ts reports "0 modules" and passes: that must never count as a pass.
    expect(modules).toBeGreaterThan(50);
    expect(status).toBe(0);
  }, 120_000);

  it('fails, naming the rule, on a tree with forbidden imports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'airlock-imports-'));
    temps.push(dir);
    copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    write(dir, 'protocol/ok.ts', "export const ok = 1;\n");
    write(dir, 'protocol/leak.ts', "import { serve } from '../gateway/server.js';\nexport const x = serve;\n");
    write(dir, 'protocol/io.ts', "import { readFileSync } from 'node:fs';\nexport const y = readFileSync;\n");
    write(dir, 'gateway/server.ts', "import { ok } from '../protocol/ok.js';\nexport const serve = ok;\n");
    write(dir, 'gateway/reach.ts', "import { vault } from '../main/core/vault.js';\nexport const z = vault;\n");
    write(dir, 'main/core/vault.ts', "import { app } from 'electron';\nexport const vault = app;\n");
    write(dir, 'main/shell/window.ts', "import { app } from 'electron';\nimport fs from 'original-fs';\nimport { vault } from '../core/vault.js';\nexport const w = [app, vault, fs];\n");
    write(dir, 'main/core/raw.ts', "import fs from 'original-fs';\nexport const r = fs;\n");
    write(dir, 'renderer/src/view.ts', "import { readFileSync } from 'node:fs';\nimport { serve } from '../../gateway/server.js';\nexport const v = [readFileSync, serve];\n");
    write(dir, 'console/src/page.ts', "import { readFileSync } from 'node:fs';\nimport { serve } from '../../gateway/server.js';\nexport const p = [readFileSync, serve];\n");
    write(dir, 'gateway/uses-console.ts', "import { p } from '../console/src/page.js';\nexport const q = p;\n");
    write(dir, 'protocol/elsewhere.ts', "import { helper } from '../lib/helper.js';\nexport const e = helper;\n");
    write(dir, 'lib/helper.ts', "export const helper = 2;\n");
    write(dir, 'lib/uses.ts', "import { ok } from '../protocol/ok.js';\nexport const u = ok;\n");
    write(dir, 'gateway/typo.ts', "import { nothing } from './does-not-exist.js';\nexport const t = nothing;\n");

    const { status, output } = depcruise(dir, ['protocol', 'gateway', 'main', 'renderer', 'console', 'lib']);
    expect(status, output).not.toBe(0);
    const violations = [
      ['protocol-imports-nothing-of-ours', 'protocol/leak.ts → gateway/server.ts'],
      ['protocol-no-node-builtins', 'protocol/io.ts → fs'],
      ['gateway-imports-only-protocol', 'gateway/reach.ts → main/core/vault.ts'],
      ['electron-only-in-main-shell', 'main/core/vault.ts → '],
      ['electron-only-in-main-shell', 'main/core/raw.ts → original-fs'],
      ['renderer-no-node', 'renderer/src/view.ts → fs'],
      ['renderer-imports-only-protocol-types-and-contract', 'renderer/src/view.ts → gateway/server.ts'],
      ['console-no-node', 'console/src/page.ts → fs'],
      ['console-imports-only-protocol-types', 'console/src/page.ts → gateway/server.ts'],
      ['nothing-imports-console', 'gateway/uses-console.ts → console/src/page.ts'],
      ['no-import-outside-known-folders', 'protocol/elsewhere.ts → lib/helper.ts'],
      ['known-folders-only', 'lib/uses.ts → protocol/ok.ts'],
      ['no-unresolvable', 'gateway/typo.ts → ./does-not-exist.js'],
    ];
    for (const [rule, edge] of violations) expect(output, `expected ${rule}: ${edge}\n${output}`).toContain(`${rule}: ${edge}`);
    // The allowed edges stay quiet: the shell may use electron and main/core, gateway may use protocol.
    expect(output).not.toContain('main/shell/window.ts');
    expect(output).not.toContain('gateway/server.ts → protocol');
  }, 120_000);
});

describe('every folder with code is one of DESIGN.md parts', () => {
  it('has no source file in an unknown top-level folder', () => {
    const unknown = readdirSync(ROOT)
      .filter((name) => !name.startsWith('.') && !NOT_SOURCE.has(name) && !KNOWN_FOLDERS.has(name))
      .filter((name) => statSync(join(ROOT, name)).isDirectory())
      .filter((name) => listFiles(ROOT, name, /\.(ts|tsx|js|mjs|cjs|jsx)$/).length > 0);
    expect(unknown, `source in folders outside the parts table: ${unknown.join(', ')}`).toEqual([]);
  });
});

describe('renderer/ talks only to window.airlock', () => {
  it('reads import statements, type-only ones included', () => {
    const imps = importsOf([
      "import type { A } from '../../protocol/errors.js';",
      "import { b } from 'react';",
      "// import { c } from 'electron';",
      "export type { D } from './d.js';",
      "const e = await import('node:fs');",
      "import './styles.css';",
    ].join('\n'));
    expect(imps.map((i) => [i.specifier, i.typeOnly])).toEqual([
      ['../../protocol/errors.js', true],
      ['react', false],
      ['./d.js', true],
      ['node:fs', false],
      ['./styles.css', false],
    ]);
  });

  it('flags network, Node, electron and run-time protocol imports (the check can fail)', () => {
    const bad = [
      "import { ipcRenderer } from 'electron';",
      "import { readFile } from 'node:fs/promises';",
      "import { parseInviteLink } from '../../protocol/invite/link.js';",
      "import { createClient } from '../../main/core/client.js';",
      "const r = await fetch('https://gateway.example');",
      'const ws = new WebSocket(url);',
    ].join('\n');
    const problems = rendererFindings('renderer/src/bad.tsx', bad).map((f) => f.problem);
    expect(problems).toHaveLength(6);
    expect(problems.join('\n')).toMatch(/electron/);
    expect(problems.join('\n')).toMatch(/fetch/);
    expect(problems.join('\n')).toMatch(/WebSocket/);
    expect(rendererFindings('renderer/src/ok.tsx', "import type { ErrorCode } from '../../protocol/errors.js';\nimport type {} from '../../main/ipc/window-global.js';\nimport { useState } from 'react';\nconst api = window.airlock;\n")).toEqual([]);
  });

  it('holds for every file of renderer/ (the Vite config, which runs in Node, aside)', () => {
    if (!existsSync(join(ROOT, 'renderer'))) return;
    const files = listFiles(ROOT, 'renderer', /\.(ts|tsx|js|jsx|mjs)$/).filter((f) => f !== 'renderer/vite.config.ts');
    expect(files.length).toBeGreaterThan(0);
    const findings = files.flatMap((file) => rendererFindings(file, readSource(ROOT, file)));
    expect(findings, findings.map((f) => `${f.file}:${f.line} ${f.problem}`).join('\n')).toEqual([]);
  });
});

describe('console/ talks only to the console API', () => {
  it('flags Node, gateway code and run-time protocol imports (the check can fail)', () => {
    const bad = "import { readFile } from 'node:fs/promises';\nimport { startConsole } from '../../gateway/console/console.js';\nimport { consoleLoginBody } from '../../protocol/schemas/console.js';\n";
    expect(consoleFindings('console/src/bad.tsx', bad)).toHaveLength(3);
    expect(consoleFindings('console/src/ok.tsx', "import type { ConsoleOverview } from '../../protocol/schemas/console.js';\nimport { useState } from 'react';\nimport { get } from './api.js';\n")).toEqual([]);
  });

  it('holds for every file of console/ (the Vite config, which runs in Node, aside)', () => {
    const files = listFiles(ROOT, 'console', /\.(ts|tsx|js|jsx|mjs)$/).filter((f) => f !== 'console/vite.config.ts');
    expect(files.length).toBeGreaterThan(5);
    const findings = files.flatMap((file) => consoleFindings(file, readSource(ROOT, file)));
    expect(findings, findings.map((f) => `${f.file}:${f.line} ${f.problem}`).join('\n')).toEqual([]);
  });
});

describe('protocol/ imports nothing of ours and no Node', () => {
  it('flags an import outside protocol/ and a Node builtin (the check can fail)', () => {
    expect(protocolFindings('protocol/dpop/x.ts', "import { a } from '../../gateway/a.js';\nimport { b } from 'node:crypto';\nimport { c } from 'crypto';\n")).toHaveLength(3);
    expect(protocolFindings('protocol/dpop/x.ts', "import { a } from '../errors.js';\nimport { b } from 'jose';\n")).toEqual([]);
  });

  it('holds for every file of protocol/', () => {
    const files = listFiles(ROOT, 'protocol', /\.(ts|tsx|js|mjs)$/);
    expect(files.length).toBeGreaterThan(10);
    const findings = files.flatMap((file) => protocolFindings(file, readSource(ROOT, file)));
    expect(findings, findings.map((f) => `${f.file}:${f.line} ${f.problem}`).join('\n')).toEqual([]);
  });
});
