/**
 * Import rules: DESIGN.md's "Parts and where they live" table as a lint (STYLE.md, "Import rules"),
 * in the manner of VS Code's code-import-patterns. Run by `npm run lint:imports` and so by `npm test`;
 * test/unit/imports/ proves that a forbidden import makes it fail. Do not relax these rules: change
 * DESIGN.md first, then this file.
 *
 * Paths are relative to the repository root. Our own code lives only in the folders of KNOWN; an
 * import into, or a file in, any other top-level folder is itself an error ("every folder matches a
 * rule"). `.js`-suffixed relative imports resolve to the `.ts` source (dependency-cruiser does that
 * for TypeScript on its own; tsConfig below adds the project's compiler options when it can read them).
 */
'use strict';

const KNOWN = '^(protocol|gateway|main|renderer|console|build|test|bench|scripts|bin)/';
const ROOT_FILE = '^[^/]+$';
const NPM = '(^|/)node_modules/';
// Modules the Electron runtime provides without a package: `original-fs` is fs without the asar shim.
const ELECTRON_BUILTIN = '^original-fs$';
const ELECTRON = ['(^|/)node_modules/electron/', '^electron$', ELECTRON_BUILTIN];
const MAIN_SHELL = '^main/(?!core/)';
// The renderer's Vite config runs in Node at build time; the rest of renderer/ runs in the sandbox.
const RENDERER_APP = '^renderer/(?!vite\\.config\\.ts$)';
// The admin console's Vite config runs in Node at build time; the rest of console/ runs in a browser tab.
const CONSOLE_APP = '^console/(?!vite\\.config\\.ts$)';
// What renderer/ may take from outside itself, as types only: the wire contract, the IPC contract and the
// `window.airlock` type augmentation.
const RENDERER_TYPE_SOURCES = ['^protocol/', '^main/ipc/contract\\.ts$', '^main/ipc/window-global\\.ts$'];

/*
 * dependency-cruiser 17 reads TypeScript through the `typescript` package (2.x to 6.x) or through
 * @swc/core. This project's `typescript` is 7 (the native compiler, without the JS API), so with
 * neither available dependency-cruiser silently skips every .ts file and reports "no violations
 * (0 modules)". A lint that cannot see the code must not pass: refuse to run instead.
 */
function runningCruiserDir() {
  // The dependency-cruiser that loads this file resolves its parsers from its own folder.
  const fs = require('node:fs');
  const path = require('node:path');
  let dir = path.dirname(fs.realpathSync(process.argv[1] ?? __filename));
  while (dir !== path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'dependency-cruiser') return dir;
    dir = path.dirname(dir);
  }
  return __dirname;
}

function typeScriptParser() {
  const from = { paths: [runningCruiserDir()] };
  try {
    const manifest = require(require.resolve('typescript/package.json', from));
    const major = Number(String(manifest.version).split('.')[0]);
    if (major >= 2 && major < 7) return 'tsc';
  } catch {
    // no usable typescript: try swc
  }
  try {
    require.resolve('@swc/core', from);
    return 'swc';
  } catch {
    return undefined;
  }
}
const parser = typeScriptParser();
if (parser === undefined) {
  throw new Error(
    'lint:imports cannot read TypeScript: dependency-cruiser 17 needs `typescript` < 7 or `@swc/core`, and this ' +
      'project has TypeScript 7 only. Add to package.json devDependencies:  "@swc/core": "^1.15.0"  ' +
      '(and "@swc/core": true under allowScripts), then npm install.',
  );
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'known-folders-only',
      severity: 'error',
      comment: 'Every source file lives in a folder of the DESIGN.md parts table (or is a root config file).',
      from: { pathNot: [KNOWN, ROOT_FILE, NPM] },
      to: {},
    },
    {
      name: 'known-folders-only-orphans',
      severity: 'error',
      comment: 'Every source file lives in a folder of the DESIGN.md parts table, even one that imports nothing.',
      from: { orphan: true, pathNot: [KNOWN, ROOT_FILE, NPM] },
      to: {},
    },
    {
      name: 'no-import-outside-known-folders',
      severity: 'error',
      comment: 'Imports of our own code must land in a folder of the DESIGN.md parts table.',
      from: {},
      to: { pathNot: [KNOWN, ROOT_FILE, NPM, ELECTRON_BUILTIN], dependencyTypesNot: ['core'], couldNotResolve: false },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that does not resolve hides what it points at (a typo, a missing .ts, an uninstalled package).',
      from: {},
      to: { couldNotResolve: true, pathNot: ELECTRON_BUILTIN },
    },
    {
      name: 'protocol-imports-nothing-of-ours',
      severity: 'error',
      comment: 'protocol/ is the wire contract both sides share: it imports only protocol/ and npm packages.',
      from: { path: '^protocol/' },
      to: { pathNot: ['^protocol/', NPM], dependencyTypesNot: ['core'] },
    },
    {
      name: 'protocol-no-node-builtins',
      severity: 'error',
      comment: 'protocol/ does no I/O and runs anywhere: no node:* or Node builtins (use WebCrypto).',
      from: { path: '^protocol/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'gateway-imports-only-protocol',
      severity: 'error',
      comment: 'gateway/ may import protocol/ of ours, nothing else (not main/, renderer/, build/, test/).',
      from: { path: '^gateway/' },
      to: { pathNot: ['^gateway/', '^protocol/', NPM], dependencyTypesNot: ['core'] },
    },
    {
      name: 'core-imports-only-protocol',
      severity: 'error',
      comment: 'main/core/ is plain Node: it imports main/core/ and protocol/ only, never the Electron shell.',
      from: { path: '^main/core/' },
      to: { pathNot: ['^main/core/', '^protocol/', NPM], dependencyTypesNot: ['core'] },
    },
    {
      name: 'main-imports-only-main-and-protocol',
      severity: 'error',
      comment: 'The Electron shell (main/ outside core/) imports main/ and protocol/ only.',
      from: { path: MAIN_SHELL },
      to: { pathNot: ['^main/', '^protocol/', NPM, ELECTRON_BUILTIN], dependencyTypesNot: ['core'] },
    },
    {
      name: 'electron-only-in-main-shell',
      severity: 'error',
      comment:
        '`electron` is imported only by main/ outside main/core/. (test/ may import everything, per DESIGN.md; ' +
        'the Electron binary is absent here, so a runtime import there fails on its own.)',
      from: { pathNot: [MAIN_SHELL, '^test/'] },
      to: { path: ELECTRON },
    },
    {
      name: 'renderer-imports-only-protocol-types-and-contract',
      severity: 'error',
      comment:
        'renderer/ talks only to window.airlock: it imports renderer/, npm packages, and types from protocol/, ' +
        'main/ipc/contract.ts and main/ipc/window-global.ts. test/unit/imports/ also checks they are `import type`.',
      from: { path: RENDERER_APP },
      to: { pathNot: ['^renderer/', ...RENDERER_TYPE_SOURCES, NPM] },
    },
    {
      name: 'renderer-no-node',
      severity: 'error',
      comment: 'renderer/ has no Node: no node:* or Node builtins.',
      from: { path: RENDERER_APP },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'console-imports-only-protocol-types',
      severity: 'error',
      comment:
        'console/ (the admin web console) talks only to the console API over HTTP: it imports console/, npm packages ' +
        'and types from protocol/ (the console API types live in protocol/schemas/console.ts), never gateway/ code.',
      from: { path: CONSOLE_APP },
      to: { pathNot: ['^console/', '^protocol/', NPM] },
    },
    {
      name: 'console-no-node',
      severity: 'error',
      comment: 'console/ runs in a browser: no node:* or Node builtins.',
      from: { path: CONSOLE_APP },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'nothing-imports-console',
      severity: 'error',
      comment: 'console/ is built by Vite and served as files; no other part imports its code.',
      from: { pathNot: ['^console/'] },
      to: { path: '^console/' },
    },
    {
      name: 'build-not-into-app-internals',
      severity: 'error',
      comment:
        'build/ (packaging, signing, fuses, manifests) may use protocol/ and build/; it does not reach into ' +
        'gateway/, renderer/, main/, test/ or bench/ code (electron-builder names app files by path, not import).',
      from: { path: '^build/' },
      to: { pathNot: ['^build/', '^protocol/', NPM], dependencyTypesNot: ['core'] },
    },
    {
      name: 'bin-and-scripts-use-entry-points',
      severity: 'error',
      comment: 'bin/ and scripts/ start the gateway and tools: they import gateway/, protocol/, build/ and themselves.',
      from: { path: '^(bin|scripts)/' },
      to: { pathNot: ['^(bin|scripts|gateway|protocol|build)/', NPM], dependencyTypesNot: ['core'] },
    },
  ].concat(
    // Only tsc tells type-only imports apart; with swc, test/unit/imports/ checks that renderer/ uses `import type`.
    parser === 'tsc'
      ? [
          {
            name: 'renderer-no-runtime-protocol',
            severity: 'error',
            comment: 'renderer/ takes only types from protocol/ and the IPC contract (visible when parsing with tsc).',
            from: { path: RENDERER_APP },
            to: { path: RENDERER_TYPE_SOURCES, dependencyTypesNot: ['type-only'] },
          },
          {
            name: 'console-no-runtime-protocol',
            severity: 'error',
            comment: 'console/ takes only types from protocol/ (visible when parsing with tsc).',
            from: { path: CONSOLE_APP },
            to: { path: '^protocol/', dependencyTypesNot: ['type-only'] },
          },
        ]
      : [],
  ),
  options: {
    parser,
    doNotFollow: { path: NPM },
    // Not node_modules: an excluded module vanishes from the dependency lists too, and then a rule on
    // `electron` could never match. doNotFollow keeps npm packages as leaves.
    // swc as dependency-cruiser drives it parses TypeScript without JSX, so with swc the .tsx files are left
    // to test/unit/imports/, which checks every renderer import itself.
    exclude: {
      path: ['(^|/)dist/', '(^|/)out/', '^release/', '(^|/)\\.airlock-dev/', ...(parser === 'swc' ? ['\\.tsx$'] : [])],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    skipAnalysisNotInRules: false,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
