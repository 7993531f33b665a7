/**
 * The entry, kept small: it asks for the session and the page's data at once, then loads React and
 * the pages (a separate chunk) while those answers travel, so a page load is not three round trips
 * in a row (script, session, data). A login link's page asks nothing first: its session does not exist yet.
 */
import { prefetch } from './api.js';
import { dataPathOf, parseRoute } from './route.js';
import './styles.css';

if (!window.location.hash.startsWith('#login=')) {
  prefetch('/api/session');
  const path = dataPathOf(parseRoute(window.location.hash));
  if (path) prefetch(path);
}

void import('./render.js');
