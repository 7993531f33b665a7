import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * On a page the browser draws, the entry loads React and the pages (render.tsx) with a dynamic
 * import after it has asked for the page's data; a modulepreload link lets the browser fetch and
 * compile that chunk while the entry itself is still on its way, instead of after it ran. A page
 * the gateway draws keeps it in the head it sends before reading the data
 * (gateway/console/first-paint.ts): the chunk is fetched and compiled meanwhile, and its entry runs
 * it once the first frame (drawn without React) is out.
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
 * The CommonJS modules in React's chunk (react, react-dom, scheduler: React ships no ES modules) are
 * bundled as factories, `wrap((exports, module) => { ...the module... })`, run when first required,
 * which is when the chunk runs. V8 compiles a function lazily unless it looks called at once, and it
 * takes only a parenthesised `function` expression for that, not an arrow: so react-dom's 200 kB
 * factory was parsed in full on the main thread when the chunk ran (~40 ms of its ~45 ms in a trace
 * of a new tab), after the first frame, on the way to the page becoming interactive. Written as
 * `wrap((function(exports, module) { ... }))`, it is compiled with the rest of the chunk while the
 * chunk streams in, on a worker thread; its inner functions stay lazy as before. Same semantics:
 * the factories use neither `this` nor `arguments` at their top level.
 * The wrapper is the bundler's (`var w=(f,m)=>()=>(m||(f((m={exports:{}}).exports,m,m.exports),f=null),m.exports)`
 * minified); when it is not found, the chunk is left as it is.
 */
function compileCommonJsEagerly(code: string): { code: string; factories: number } {
  const wrapper = /\bvar ([$\w]+)=\(([$\w]+),([$\w]+)\)=>\(\)=>\(\3\|\|\(\2\(\(\3=\{exports:\{\}\}\)\.exports,\3,\3\.exports\),\2=null\),\3\.exports\)/.exec(code);
  if (!wrapper) return { code, factories: 0 };
  const wrap = wrapper[1]!.replace(/\$/g, '\\$');
  let factories = 0;
  const rewritten = code.replace(new RegExp(`(?<![$\\w.])${wrap}\\(\\((?:\\(([$\\w,]*)\\)|([$\\w]+))=>\\{`, 'g'), (_all, list: string | undefined, one: string | undefined) => {
    factories++;
    return `${wrapper[1]}((function(${list ?? one}){`;
  });
  return { code: rewritten, factories };
}

function compileRenderChunkEagerly(): Plugin {
  return {
    name: 'airlock-console-eager-commonjs',
    apply: 'build',
    // After minifying, which would turn the functions back into arrows. The chunk's file name stays
    // the one its content was hashed to before: the same input gives the same output.
    generateBundle(_options, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type === 'chunk' && chunk.facadeModuleId?.endsWith('/src/render.tsx')) chunk.code = compileCommonJsEagerly(chunk.code).code;
      }
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
  plugins: [react(), preloadRenderChunk(), compileRenderChunkEagerly()],
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
