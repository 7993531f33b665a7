/**
 * The `htu` of a request (RFC 9449 §4.2/§4.3): scheme, host and path, without query and fragment,
 * normalised (RFC 3986 §6: lower-case scheme and host, default port dropped, dot segments resolved)
 * so that client and gateway compare the same string.
 */
export function normalizeHtu(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new TypeError('htu must be an http(s) URL');
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
