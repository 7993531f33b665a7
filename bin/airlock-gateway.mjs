#!/usr/bin/env node
// The `airlock-gateway` bin: the compiled JavaScript in dist/node/ when it is at least as new as
// every source file (`npm run build:gateway`, issue 19: no compiler work at start, no tsx helpers
// on the hot path), else the TypeScript sources through tsx, with no build step.
import { freshCompiledEntry } from '../scripts/compiled-gateway.mjs';

const compiled = freshCompiledEntry();
if (compiled) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../gateway/cli/main.ts');
}
