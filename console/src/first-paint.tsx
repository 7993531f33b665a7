/**
 * The gateway's first drawing of a console page (server-side rendering), built apart from the
 * browser's files (vite build --ssr, into dist/console/.ssr/) and run by gateway/console/first-paint.ts.
 * A new tab then shows the page with its data as soon as the HTML is in, before the browser has
 * started React; React takes the drawn page over (hydration) from the same data, sent with it.
 * The same components draw it as in the browser, so the two cannot disagree.
 */
import { StrictMode } from 'react';
import { renderToString } from 'react-dom/server';
import type { ConsoleSessionInfo } from '../../protocol/schemas/console.js';
import { forgetEarly, seed } from './api.js';
import { App } from './app.js';
import { bootElement } from './boot.js';
import { dataPathOf, routeOf } from './route.js';

/** The static page's root, as console/index.html writes it: the drawn page goes in its place. */
const ROOT = '<div id="root"><main class="gate">Opening the console…</main></div>';

/** Whether `pathAndQuery` is a console page, and the API read it is drawn with (null: none). */
export function pageOf(pathAndQuery: string): { dataPath: string | null } | null {
  const route = routeOf(pathAndQuery);
  return route ? { dataPath: dataPathOf(route) } : null;
}

export interface DrawInput {
  /** The built index.html. */
  template: string;
  pathAndQuery: string;
  session: ConsoleSessionInfo;
  /** The page's API read as the API answered it (JSON text), when it has one. */
  data: { path: string; json: string } | null;
}

/** The whole HTML of the page, drawn; null when `template` is not the console's index.html or the path is no page. */
export function drawPage({ template, pathAndQuery, session, data }: DrawInput): string | null {
  const route = routeOf(pathAndQuery);
  if (!route || !template.includes(ROOT)) return null;
  if (data) seed(data.path, JSON.parse(data.json));
  let html: string;
  try {
    html = renderToString(
      <StrictMode>
        <App opened={{ state: 'open', session }} initialRoute={route} />
      </StrictMode>,
    );
  } finally {
    forgetEarly();
  }
  return template.replace(ROOT, () => `<div id="root">${html}</div>${bootElement(pathAndQuery, session, data)}`);
}
