/**
 * The console's answer to DNS rebinding and cross-site requests: the `Host` header must name the
 * console itself, and so must `Origin` whenever a browser sends one (every POST does). The
 * listener knows its own address, so the allowed set is exact, not a pattern.
 */
import { isLoopback } from './listen-address.js';

export interface ConsoleAddress {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** Further host names that reach the same listener (the gateway's public name, when remote). */
  names?: string[];
}

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`.toLowerCase();

/** Every `host:port` a browser may put in `Host` for this console. */
export function allowedHosts(address: ConsoleAddress): Set<string> {
  const hosts = new Set([hostPort(address.host, address.port)]);
  // Through `ssh -L PORT:127.0.0.1:PORT` the browser says 127.0.0.1, localhost or [::1].
  if (isLoopback(address.host)) for (const name of ['127.0.0.1', 'localhost', '::1']) hosts.add(hostPort(name, address.port));
  for (const name of address.names ?? []) hosts.add(hostPort(name, address.port));
  return hosts;
}

export type GuardVerdict = { ok: true } | { ok: false; reason: string };

/** `host[:port]` as a browser writes it, in the form of `allowedHosts`; null when it is not one. */
function normalize(hostHeader: string, scheme: 'http' | 'https'): string | null {
  try {
    const url = new URL(`${scheme}://${hostHeader}`);
    if (url.host.toLowerCase() !== hostHeader.toLowerCase() && url.host.toLowerCase() !== hostHeader.toLowerCase().replace(/:(80|443)$/, '')) return null;
    return hostPort(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || (scheme === 'https' ? 443 : 80)));
  } catch {
    return null;
  }
}

/** `origin` undefined: the browser sent none (a plain navigation or a same-origin GET). */
export function checkHostAndOrigin(request: { host: string | undefined; origin: string | undefined; stateChange: boolean }, address: ConsoleAddress, hosts = allowedHosts(address)): GuardVerdict {
  const host = request.host === undefined ? null : normalize(request.host, address.scheme);
  if (host === null || !hosts.has(host)) return { ok: false, reason: `This console answers only as ${[...hosts].join(', ')}; the request named "${request.host ?? ''}".` };
  if (request.origin === undefined) {
    return request.stateChange ? { ok: false, reason: 'A change must come from the console page itself (the request had no Origin).' } : { ok: true };
  }
  let origin: URL;
  try {
    origin = new URL(request.origin);
  } catch {
    return { ok: false, reason: 'The request came from another site.' };
  }
  if (origin.protocol !== `${address.scheme}:` || !hosts.has(normalize(origin.host, address.scheme) ?? '')) return { ok: false, reason: 'The request came from another site.' };
  return { ok: true };
}

/**
 * No inline script or style, nothing from another origin, no framing; images only from the
 * console and data: URLs (the invite QR code). A page the gateway drew carries its stylesheet
 * inline (one request less before it shows): that one stylesheet is allowed by its SHA-256 hash,
 * nothing else inline.
 */
export function contentSecurityPolicy(styleHashes: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    ["style-src 'self'", ...styleHashes.map((h) => `'${h}'`)].join(' '),
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const CONTENT_SECURITY_POLICY = contentSecurityPolicy();

export const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;
