/**
 * The route in the address bar (browser only), following its changes: links inside the console
 * move with history.pushState (no new page load), the back and forward buttons with popstate, and
 * an older `#/devices` link is turned into its path.
 */
import { useEffect, useState } from 'react';
import { currentPath } from './address.js';
import { parseRoute, type Route } from './route.js';

const NAVIGATED = 'airlock:navigated';

/** A click on a link to a console page: shown without a page load. API links (the CSV) and new-tab clicks are left to the browser. */
function onLinkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target instanceof Element ? event.target.closest('a') : null;
  const href = link?.getAttribute('href');
  if (!link || !href?.startsWith('/') || href.startsWith('/api/') || link.hasAttribute('download') || link.target) return;
  event.preventDefault();
  if (href !== `${window.location.pathname}${window.location.search}`) window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATED));
}

/** The route being shown; `initial` is the one the page was drawn with. */
export function useRoute(initial: Route): Route {
  const [route, setRoute] = useState(initial);
  useEffect(() => {
    // A same-page `#seq-12` anchor also fires hashchange: the same route, no new drawing.
    const onChange = () => {
      const next = parseRoute(currentPath());
      setRoute((shown) => (JSON.stringify(shown) === JSON.stringify(next) ? shown : next));
    };
    window.addEventListener('popstate', onChange);
    window.addEventListener('hashchange', onChange);
    window.addEventListener(NAVIGATED, onChange);
    document.addEventListener('click', onLinkClick);
    return () => {
      window.removeEventListener('popstate', onChange);
      window.removeEventListener('hashchange', onChange);
      window.removeEventListener(NAVIGATED, onChange);
      document.removeEventListener('click', onLinkClick);
    };
  }, []);
  return route;
}
