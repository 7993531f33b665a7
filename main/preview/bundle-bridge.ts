import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** DEV-ONLY: bundles `bridge-client.ts` into one classic script for the preview page. */
export async function bundleBridgeClient(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./bridge-client.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    minify: false,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no preview bridge');
  return output.text;
}
