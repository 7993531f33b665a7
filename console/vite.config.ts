import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * The admin console build, served by the gateway's console listener (gateway/console/). Absolute
 * asset paths (`/assets/...`): the console is always at the root of its own origin. No inline
 * script or style, so the console's strict CSP holds; no font or script from anywhere else.
 */
export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: 'chrome120',
  },
});
