/** The address bar, read without React (the entry reads it before React has loaded). */
import { pathOfHashRoute } from './route.js';

/** The path and query of the address bar, after turning an older `#/devices` link into its path. */
export function currentPath(): string {
  const legacy = pathOfHashRoute(window.location.hash);
  if (legacy !== null) window.history.replaceState(null, '', legacy);
  return `${window.location.pathname}${window.location.search}`;
}

/** The one-time secret of a `#login=...` link, removed from the address bar and history at once. */
export function takeLoginSecret(): string | null {
  const match = /^#login=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
  if (!match) return null;
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);
  return match[1] ?? null;
}
