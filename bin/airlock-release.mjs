#!/usr/bin/env node
// The `airlock-release` bin: registers tsx so the TypeScript CLI runs from a checkout with no build step.
import { register } from 'tsx/esm/api';

register();
const { runReleaseCli } = await import('../build/release/cli.ts');
process.exitCode = await runReleaseCli(process.argv.slice(2), {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
});
