import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The renderer build. Relative asset paths (`base: './'`) because it is served from `app://airlock/`
 * in the app and from the preview server in development; no inline scripts, so the strict CSP holds.
 */
export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: process.env.AIRLOCK_RENDERER_OUT ?? fileURLToPath(new URL('../dist/app/renderer', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'chrome130',
    // One bundle on purpose (served locally from app://, no network cost); React + markdown is ~400 kB.
    chunkSizeWarningLimit: 1024,
  },
});
