import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * On a page the browser draws, the entry loads React and the pages (render.tsx) with a dynamic
 * import after it has asked for the page's data; a modulepreload link lets the browser fetch and
 * compile that chunk while the entry itself is still on its way, instead of after it ran. A page
 * the gateway draws is sent without this link (gateway/console/first-paint.ts): it shows its data
 * without React, which its entry loads after the first frame.
 */
function preloadRenderChunk(): Plugin {
  return {
    name: 'airlock-console-preload-render',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const chunk = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.facadeModuleId?.endsWith('/src/render.tsx'));
        return chunk ? [{ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${chunk.fileName}` }, injectTo: 'head' }] : [];
      },
    },
  };
}

/**
 * The admin console build, served by the gateway's console listener (gateway/console/). Absolute
 * asset paths (`/assets/...`): the console is always at the root of its own origin. No inline
 * script or style, so the console's strict CSP holds; no font or script from anywhere else.
 * With `--ssr src/first-paint.tsx`: the gateway's first drawing of a page, for Node, with React
 * bundled in (a host running the gateway needs no React of its own).
 */
export default defineConfig(({ isSsrBuild }) => ({
  root,
  base: '/',
  plugins: [react(), preloadRenderChunk()],
  logLevel: 'warn',
  ssr: { noExternal: true, target: 'node' },
  // React's production build on the gateway too, whatever NODE_ENV the gateway runs with.
  define: isSsrBuild ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: isSsrBuild ? 'node20' : 'chrome120',
  },
}));
