import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';

/**
 * A small, parser-free reading of the import statements of our own TypeScript: enough to check the
 * rules dependency-cruiser cannot see for itself (type-only imports when it parses with swc, .tsx
 * files, globals such as fetch). Comments are blanked first so commented-out code does not count.
 */
export interface SourceImport {
  specifier: string;
  typeOnly: boolean;
  line: number;
}

const IMPORT_RE =
  /(?:^|[;\n])[ \t]*(import|export)[ \t]+(type[ \t]+)?(?:[\w$*{}\s,]+?[ \t\n]+from[ \t]*)?['"]([^'"\n]+)['"]|\b(?:import|require)\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g;

function blankComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|(^|[^:\\'"`])\/\/[^\n]*/g, (match, lead: string | undefined) =>
    (lead ?? '') + match.slice((lead ?? '').length).replace(/[^\n]/g, ' '),
  );
}

export function importsOf(source: string): SourceImport[] {
  const text = blankComments(source);
  const found: SourceImport[] = [];
  for (const match of text.matchAll(IMPORT_RE)) {
    const specifier = match[3] ?? match[4];
    if (specifier === undefined) continue;
    const typeOnly = match[2] !== undefined;
    const line = text.slice(0, match.index).split('\n').length + (match[0].startsWith('\n') ? 1 : 0);
    found.push({ specifier, typeOnly, line });
  }
  return found;
}

export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!);
}

/** Network and Node globals the renderer must not touch (it talks only to window.airlock). */
const RENDERER_FORBIDDEN_GLOBALS = /\b(fetch|WebSocket|XMLHttpRequest|EventSource|process|require)\s*[(.]|\bnew\s+(WebSocket|XMLHttpRequest|EventSource)\b|navigator\.sendBeacon/;

export interface Finding {
  file: string;
  line: number;
  problem: string;
}

/** The renderer's rules (DESIGN.md parts table, STYLE.md "renderer/"), on one file's text. */
export function rendererFindings(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const imp of importsOf(source)) {
    const s = imp.specifier;
    if (s === 'electron' || s.startsWith('electron/')) findings.push({ file, line: imp.line, problem: `imports ${s}` });
    else if (isNodeBuiltin(s)) findings.push({ file, line: imp.line, problem: `imports the Node builtin ${s}` });
    else if (/(^|\/)(protocol|main)\//.test(s) && !imp.typeOnly) {
      findings.push({ file, line: imp.line, problem: `imports ${s} at run time; only \`import type\` is allowed from protocol/ and main/ipc/` });
    } else if (/(^|\/)main\//.test(s) && !/main\/ipc\/(contract|window-global)\.js$/.test(s)) {
      findings.push({ file, line: imp.line, problem: `imports ${s}; of main/ only main/ipc/contract.ts and main/ipc/window-global.ts (types)` });
    } else if (/(^|\/)(gateway|build|test|bench|scripts)\//.test(s)) findings.push({ file, line: imp.line, problem: `imports ${s}` });
  }
  const text = blankComments(source);
  text.split('\n').forEach((lineText, i) => {
    const hit = RENDERER_FORBIDDEN_GLOBALS.exec(lineText);
    if (hit) findings.push({ file, line: i + 1, problem: `uses ${hit[0].trim()} (the renderer has no network and no Node)` });
  });
  return findings;
}

/**
 * The admin console's rules (console/, DESIGN.md "Admin: see, act, undo"): it runs in a browser tab and
 * talks only to the console API on its own origin, so it imports console/, npm packages and types from
 * protocol/ (never gateway/ code, which is the server it talks to).
 */
export function consoleFindings(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const imp of importsOf(source)) {
    const s = imp.specifier;
    if (isNodeBuiltin(s)) findings.push({ file, line: imp.line, problem: `imports the Node builtin ${s}` });
    else if (/(^|\/)protocol\//.test(s) && !imp.typeOnly) findings.push({ file, line: imp.line, problem: `imports ${s} at run time; only \`import type\` is allowed from protocol/` });
    else if (/(^|\/)(gateway|main|renderer|build|test|bench|scripts|bin)\//.test(s)) findings.push({ file, line: imp.line, problem: `imports ${s}` });
  }
  return findings;
}

/** protocol/: nothing of ours outside protocol/, no Node builtins, no electron. */
export function protocolFindings(file: string, source: string): Finding[] {
  const findings: Finding[] = [];
  for (const imp of importsOf(source)) {
    const s = imp.specifier;
    if (isNodeBuiltin(s)) findings.push({ file, line: imp.line, problem: `imports the Node builtin ${s}` });
    else if (s === 'electron' || s.startsWith('electron/')) findings.push({ file, line: imp.line, problem: `imports ${s}` });
    else if (s.startsWith('.')) {
      const depth = file.split('/').length - 2; // folders below protocol/
      const ups = s.split('/').filter((part) => part === '..').length;
      if (ups > depth) findings.push({ file, line: imp.line, problem: `imports ${s}, outside protocol/` });
    }
  }
  return findings;
}

/** Every file under `dir` (relative to `root`) whose name matches, skipping node_modules and dot folders. */
export function listFiles(root: string, dir: string, match: RegExp): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const name of readdirSync(abs)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const path = join(abs, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (match.test(name)) out.push(relative(root, path));
    }
  };
  walk(join(root, dir));
  return out.sort();
}

export function readSource(root: string, file: string): string {
  return readFileSync(join(root, file), 'utf8');
}
