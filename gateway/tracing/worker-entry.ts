/**
 * How to start the answer tracer's worker thread (trace-worker.ts) from the
 * module next to it. From compiled JavaScript, its file. From TypeScript source (tsx, vitest), a
 * worker does not inherit the parent's loader hooks in Node 20, so a one-line bootstrap loads the
 * worker through tsx's own API.
 */
import { createRequire } from 'node:module';
import { extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `name` is the worker's file name without extension, beside `callerUrl` (the caller's import.meta.url). */
export function workerEntry(name: string, callerUrl: string): { entry: URL | string; eval: boolean } {
  const ext = extname(fileURLToPath(callerUrl));
  const url = new URL(`./${name}${ext}`, callerUrl);
  if (ext !== '.ts') return { entry: url, eval: false };
  // The package's ESM build (its CommonJS build's tsImport cannot find its own files).
  const tsxApi = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `import(${JSON.stringify(tsxApi)}).then((tsx) => tsx.tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  return { entry: code, eval: true };
}
