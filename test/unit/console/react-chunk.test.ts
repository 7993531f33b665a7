/**
 * React's chunk as the console build writes it (console/vite.config.ts): the CommonJS modules in it
 * (react, react-dom, scheduler) are bundled as factories run when the chunk runs, and each must be a
 * parenthesised `function` expression, which V8 compiles with the chunk on a worker thread while it
 * streams in, not an arrow, which it compiles on the main thread when called (react-dom's 200 kB
 * factory: ~40 ms of a new tab's way to interactive). That the rewritten chunk still runs and takes
 * pages over is shown by the console's browser tests (test/e2e/console*.test.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildConsole, CONSOLE_DIST } from '../../../gateway/console/assets.js';

/** The bundler's CommonJS wrapper, minified: `var w=(f,m)=>()=>(m||(f((m={exports:{}}).exports,m,m.exports),f=null),m.exports)`. */
const WRAPPER = /\bvar ([$\w]+)=\(([$\w]+),([$\w]+)\)=>\(\)=>\(\3\|\|\(\2\(\(\3=\{exports:\{\}\}\)\.exports,\3,\3\.exports\),\2=null\),\3\.exports\)/;

describe('React\'s chunk in the console build', { timeout: 120_000 }, () => {
  let chunk: string;
  beforeAll(async () => {
    await buildConsole();
    const html = await readFile(join(CONSOLE_DIST, 'index.html'), 'utf8');
    const href = /<link rel="modulepreload" crossorigin href="\/(assets\/render-[\w-]{8}\.js)">/.exec(html)?.[1];
    if (!href) throw new Error('the build has no preload of React\'s chunk');
    chunk = await readFile(join(CONSOLE_DIST, href), 'utf8');
  }, 120_000);

  it('writes every CommonJS factory as a parenthesised function', () => {
    const wrap = WRAPPER.exec(chunk)?.[1];
    expect(wrap).toBeDefined();
    const name = wrap!.replace(/\$/g, '\\$');
    const asFunction = chunk.match(new RegExp(`(?<![$\\w.])${name}\\(\\(function\\(`, 'g')) ?? [];
    const asArrow = chunk.match(new RegExp(`(?<![$\\w.])${name}\\(\\((?:\\([$\\w,]*\\)|[$\\w]+)=>`, 'g')) ?? [];
    expect(asArrow).toEqual([]);
    // react, react/jsx-runtime, react-dom, react-dom/client, scheduler and their index files.
    expect(asFunction.length).toBeGreaterThanOrEqual(6);
  });
});
