/**
 * Where the metrics listener may bind. It speaks plain HTTP with no authentication (Prometheus'
 * usual scrape), so by default only a loopback address is accepted; any other needs the admin to
 * say so with `--metrics-allow-remote`.
 */
import { isLoopbackHost } from '../origin/public-origin.js';

/** null when the address may be used; otherwise what to tell the admin. */
export function metricsBindRefusal(host: string, allowRemote: boolean): string | null {
  if (allowRemote || isLoopbackHost(host)) return null;
  return `--metrics-listen: ${host} is not a loopback address. The metrics listener has no TLS and no authentication; bind it to 127.0.0.1 (and scrape from this host or through a tunnel), or add --metrics-allow-remote to serve it on ${host} behind your own network controls.`;
}
