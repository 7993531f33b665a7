import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RENDERER_CSP } from './csp.js';

/** The renderer's own origin. Registered as a standard, secure scheme so it has a real origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'airlock';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const SECURITY_HEADERS = {
  'content-security-policy': RENDERER_CSP,
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'referrer-policy': 'no-referrer',
};

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/**
 * The file under `root` that an `app://airlock/...` URL names, or null when it names anything
 * else: another host, an encoded separator, or a path that would leave `root`.
 */
export function resolveAppPath(root: string, url: string): string | null {
  if (!isAppUrl(url)) return null;
  const { pathname } = new URL(url);
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  // Encoded slashes, backslashes and NULs have no business in a renderer asset path.
  if (/%2f|%5c/i.test(pathname) || decoded.includes('\\') || decoded.includes('\0')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const base = path.resolve(root);
  const target = path.resolve(base, relative);
  if (target !== base && !target.startsWith(base + path.sep)) return null;
  return target;
}

/**
 * The `protocol.handle('app', …)` handler: serves the built renderer with the CSP header.
 * Only GET; anything not found or refused is a bare 404 (no hint of the file layout).
 */
export function createAppProtocolHandler(options: { root: string; read?: (file: string) => Promise<Uint8Array> }) {
  const read = options.read ?? ((file: string) => readFile(file));
  return async (request: Request): Promise<Response> => {
    if (request.method !== 'GET') return new Response(null, { status: 405, headers: SECURITY_HEADERS });
    const file = resolveAppPath(options.root, request.url);
    if (!file) return new Response(null, { status: 404, headers: SECURITY_HEADERS });
    try {
      const body = await read(file);
      const type = TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      return new Response(new Uint8Array(body), { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': type } });
    } catch {
      return new Response(null, { status: 404, headers: SECURITY_HEADERS });
    }
  };
}
