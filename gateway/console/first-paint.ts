/**
 * The console's first drawing of a page on the gateway (server-side rendering): a new tab shows the
 * page with its data as soon as the HTML is in, instead of after the browser has fetched, compiled
 * and started React and then asked for the data. The drawing itself is console/'s own code
 * (console/src/first-paint.tsx, built beside the browser's files into dist/console/.ssr/), so the
 * page drawn here and the page React takes over in the browser are the same components.
 * This module only finds that build, asks the console API for the page's data (the same request
 * the page would make, with the admin's cookie) and hands both over. The page's head, the same
 * for every page, is ready before that read (`start`), so the caller sends it at once. When
 * anything is missing (no session, no build yet) the caller serves the plain page, which does it
 * all in the browser; when the read is refused after the head went out, the rest is the plain
 * page's body.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../log.js';
import { FIRST_PAINT_MODULE } from './assets.js';
import type { ConsoleSession } from './sessions.js';

/** What console/src/first-paint.tsx exports (checked when it is loaded). */
interface FirstPaintModule {
  pageOf(pathAndQuery: string): { dataPath: string | null } | null;
  drawPage(input: { template: string; pathAndQuery: string; session: ConsoleSession; data: { path: string; json: string } | null }): string | null;
}

/** A GET of the console API as the admin's browser would make it (same cookie, same Host). */
export type ReadApi = (path: string) => Promise<{ status: number; body: string }>;

/** A drawn page as it is sent: its head at once, the rest once the page's data is read. */
export interface StartedPage {
  kind: 'page';
  /**
   * The page up to and including `<body>`: the same whatever the data, so it is sent before the
   * data is read. The browser meanwhile sets up the document and fetches the scripts it names,
   * instead of waiting for the gateway's read with nothing to do.
   */
  head: string;
  /** The inline stylesheet's hash (`sha256-...`) for this answer's CSP. */
  styleHashes: string[];
  /**
   * The rest of the page: drawn with its data (`drawn`), or, when it cannot be drawn (an API
   * refusal, a drawing that failed), the plain page's own body, which does it all in the browser.
   */
  rest(readApi: ReadApi): Promise<{ html: string; drawn: boolean }>;
}

export interface FirstPaint {
  /**
   * The page at `pathAndQuery` for `session`, started: `notAPage` when the console has no such
   * page; `plain` when it cannot be drawn here (serve index.html and let the browser draw it).
   */
  start(pathAndQuery: string, session: ConsoleSession | null): Promise<StartedPage | { kind: 'notAPage' } | { kind: 'plain' }>;
}

function isFirstPaintModule(value: unknown): value is FirstPaintModule {
  const m = value as Partial<Record<keyof FirstPaintModule, unknown>> | null;
  return typeof m?.pageOf === 'function' && typeof m.drawPage === 'function';
}

/** index.html as a drawn page is sent: its stylesheet inline (and that stylesheet's hash for the CSP). */
interface Template {
  html: string;
  styleHashes: string[];
}

/** Where the head a drawn page sends before its data ends. */
const BODY_TAG = /<body[^>]*>/;
const STYLESHEET = /<link rel="stylesheet" crossorigin href="\/assets\/([\w.-]+\.css)">/;

/**
 * A drawn page's template: the built index.html with its stylesheet inline (the stylesheet holds
 * back the first frame, and on a loaded machine its own request took longer than the whole HTML;
 * left as a link when it cannot be inlined as it is). The modulepreload of React's chunk stays in
 * the head the page sends before its data: the browser fetches and compiles the chunk (on a worker
 * thread) while the gateway reads the data, and runs it only once the first frame is out
 * (console/src/main.tsx), so it is ready when the page is taken over instead of asked for then.
 */
async function inlineStylesheet(assetsDir: string, html: string): Promise<Template> {
  const link = STYLESHEET.exec(html);
  if (!link) return { html, styleHashes: [] };
  const css = await readFile(join(assetsDir, 'assets', link[1]!), 'utf8');
  if (css.includes('</')) return { html, styleHashes: [] };
  return { html: html.replace(link[0], () => `<style>${css}</style>`), styleHashes: [`sha256-${createHash('sha256').update(css).digest('base64')}`] };
}

export function createFirstPaint(assetsDir: string, log: Logger): FirstPaint {
  // One load per build: the stamp names the sources it was built from, so a rebuild is loaded anew.
  let loaded: { stamp: string; module: Promise<FirstPaintModule | null>; template: Promise<Template | null> } | undefined;

  async function current(): Promise<{ module: FirstPaintModule; template: Template } | null> {
    const stamp = await readFile(join(assetsDir, '.source-hash'), 'utf8').catch(() => null);
    if (stamp === null) return null;
    if (loaded?.stamp !== stamp) {
      const url = `${pathToFileURL(join(assetsDir, FIRST_PAINT_MODULE)).href}?build=${stamp}`;
      loaded = {
        stamp,
        module: import(url).then(
          (m: unknown) => (isFirstPaintModule(m) ? m : null),
          (error: unknown) => {
            log.warn('the console pages are drawn in the browser only: the gateway could not load their server-side drawing', { error: error instanceof Error ? error.message : String(error) });
            return null;
          },
        ),
        template: readFile(join(assetsDir, 'index.html'), 'utf8').then(
          (html) => inlineStylesheet(assetsDir, html).catch((): Template => ({ html, styleHashes: [] })),
          () => null,
        ),
      };
    }
    const [module, template] = await Promise.all([loaded.module, loaded.template]);
    return module && template ? { module, template } : null;
  }

  // Loaded now when the build is there, so the first page asked for does not wait for the load.
  void current();

  async function start(pathAndQuery: string, session: ConsoleSession | null): Promise<StartedPage | { kind: 'notAPage' } | { kind: 'plain' }> {
    const build = await current();
    if (!build) return { kind: 'plain' };
    const page = build.module.pageOf(pathAndQuery);
    if (!page) return { kind: 'notAPage' };
    if (!session) return { kind: 'plain' };
    const { module, template } = build;
    const body = BODY_TAG.exec(template.html);
    const cut = body ? body.index + body[0].length : 0;
    const head = template.html.slice(0, cut);
    const plain = { html: template.html.slice(cut), drawn: false };
    return {
      kind: 'page',
      head,
      styleHashes: template.styleHashes,
      async rest(readApi) {
        try {
          let data: { path: string; json: string } | null = null;
          if (page.dataPath) {
            const answer = await readApi(page.dataPath);
            // A refusal (an unknown device, a session that just ended): the browser shows it in its words.
            if (answer.status !== 200) return plain;
            data = { path: page.dataPath, json: answer.body };
          }
          const html = module.drawPage({ template: template.html, pathAndQuery, session, data });
          // The drawing changes only the body: its head is the one already sent.
          return html !== null && html.startsWith(head) ? { html: html.slice(cut), drawn: true } : plain;
        } catch (error) {
          log.warn('could not draw a console page on the gateway; the browser draws it', { path: pathAndQuery.split('?')[0], error: error instanceof Error ? error.message : String(error) });
          return plain;
        }
      },
    };
  }

  return { start };
}
