/**
 * The console's routes, pure (no React, no window): the entry reads them before React has loaded,
 * to ask for the page's data at once, and the gateway's first drawing of a page (first-paint.tsx)
 * reads them from the request's path. Routes are paths (`/devices/dev_...`), not `#` fragments,
 * so the gateway sees which page is asked for and can send it drawn, with its data.
 */
export type Route =
  | { page: 'overview' }
  | { page: 'devices' }
  | { page: 'device'; id: string }
  | { page: 'testers' }
  | { page: 'locks' }
  | { page: 'invites' }
  | { page: 'usage' }
  | { page: 'audit'; text?: string }
  | { page: 'policy' };

const SIMPLE_PAGES = ['testers', 'locks', 'invites', 'usage', 'policy'] as const;

function decoded(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

/** The route of a path and query (`/audit?text=x`); null when the path names no page of the console. */
export function routeOf(pathAndQuery: string): Route | null {
  const [path = '', query = ''] = pathAndQuery.split('?');
  const parts = path.replace(/^\/+|\/+$/g, '').split('/');
  const [first = '', second, ...rest] = parts;
  if (rest.length > 0) return null;
  if (first === '' && second === undefined) return { page: 'overview' };
  if (first === 'devices') {
    if (second === undefined) return { page: 'devices' };
    const id = decoded(second);
    return id ? { page: 'device', id } : null;
  }
  if (second !== undefined) return null;
  if (first === 'audit') {
    const text = new URLSearchParams(query).get('text');
    return text ? { page: 'audit', text } : { page: 'audit' };
  }
  const simple = SIMPLE_PAGES.find((p) => p === first);
  return simple ? { page: simple } : null;
}

/** The route of a path, the overview for one that names no page. */
export const parseRoute = (pathAndQuery: string): Route => routeOf(pathAndQuery) ?? { page: 'overview' };

/** The path of an older `#/devices` style link (`/devices`); null for any other fragment. */
export function pathOfHashRoute(hash: string): string | null {
  return hash.startsWith('#/') ? hash.slice(1) : null;
}

export const hrefOf = (route: Route): string => {
  switch (route.page) {
    case 'overview':
      return '/';
    case 'device':
      return `/devices/${encodeURIComponent(route.id)}`;
    case 'audit':
      return route.text ? `/audit?text=${encodeURIComponent(route.text)}` : '/audit';
    default:
      return `/${route.page}`;
  }
};

/** The API read a page starts with, when it has one fixed path (asked for before React loads). */
export function dataPathOf(route: Route): string | null {
  switch (route.page) {
    case 'overview':
      return '/api/overview';
    case 'devices':
      return '/api/devices';
    case 'device':
      return `/api/devices/${encodeURIComponent(route.id)}`;
    case 'testers':
    case 'locks':
    case 'invites':
    case 'policy':
      return `/api/${route.page}`;
    default:
      return null;
  }
}
