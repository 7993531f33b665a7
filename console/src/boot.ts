/**
 * What the gateway sends with a page it has drawn (first-paint.tsx): the path it drew, the session
 * it drew it for and the data read the page was drawn from, as a JSON block the browser does not
 * run (`type="application/json"`, so the strict CSP needs no exception). The browser's React takes
 * the page over from exactly these (hydration), without asking for them again.
 */
import type { ConsoleSessionInfo } from '../../protocol/schemas/console.js';
import { currentPath } from './address.js';

export const BOOT_ELEMENT_ID = 'airlock-first-paint';

export interface FirstPaintBoot {
  path: string;
  session: ConsoleSessionInfo;
  data: { path: string; value: unknown } | null;
}

/**
 * The JSON block for a page drawn on the gateway. `dataJson` is the API's answer as sent (already
 * JSON); every `<` is written as `\u003c` (the same string to JSON.parse), so no text in the data
 * can end the block or open markup.
 */
export function bootElement(path: string, session: ConsoleSessionInfo, data: { path: string; json: string } | null): string {
  const json = `{"path":${JSON.stringify(path)},"session":${JSON.stringify({ osUser: session.osUser, csrf: session.csrf })},"data":${data ? `{"path":${JSON.stringify(data.path)},"value":${data.json}}` : 'null'}}`;
  return `<script type="application/json" id="${BOOT_ELEMENT_ID}">${json.replace(/</g, '\\u003c')}</script>`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The block of a page the gateway drew, if this page is one (and the block is whole). */
export function readBoot(): FirstPaintBoot | null {
  const text = document.getElementById(BOOT_ELEMENT_ID)?.textContent;
  if (!text) return null;
  let boot: unknown;
  try {
    boot = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(boot) || typeof boot.path !== 'string' || !isObject(boot.session) || typeof boot.session.osUser !== 'string' || typeof boot.session.csrf !== 'string') return null;
  const data = isObject(boot.data) && typeof boot.data.path === 'string' ? { path: boot.data.path, value: boot.data.value } : null;
  return { path: boot.path, session: { osUser: boot.session.osUser, csrf: boot.session.csrf }, data };
}

let drawn: FirstPaintBoot | null | undefined;

/**
 * This page as the gateway drew it, when it drew exactly this address (read once). Not for a login
 * link (its session is opened by the page) nor an older `#/devices` link (the gateway drew `/`).
 */
export function pageDrawnByGateway(): FirstPaintBoot | null {
  if (drawn === undefined) {
    const boot = window.location.hash.startsWith('#login=') ? null : readBoot();
    drawn = boot && boot.path === currentPath() ? boot : null;
  }
  return drawn;
}
