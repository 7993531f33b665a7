import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** Builds the renderer into `outDir` with the same config as the app (used by the preview and tests). */
export async function buildRenderer(outDir: string): Promise<void> {
  await build({
    configFile: fileURLToPath(new URL('../../renderer/vite.config.ts', import.meta.url)),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}
