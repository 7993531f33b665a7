/**
 * The gateway's public origin: the https address testers' apps reach it at. Invite links, token
 * `iss`/`aud` and every DPoP `htu` are built on it, so it must be a name the testers can resolve
 * and the server certificate names, never the address the process happens to listen on.
 *
 * Set as a host (`init --name gateway.lab.example`: the port then follows `serve --listen`) or as
 * a full origin (`--public-origin https://gateway.lab.example:443`: a port fixed by a load
 * balancer or NAT in front). Pure logic; the file that keeps it is origin-config.ts.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

const DNS_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const publicHost = z
  .string()
  .max(253)
  .refine((host) => isIP(host) !== 0 || DNS_NAME.test(host), 'must be a DNS name or an IP address')
  .transform((host) => host.toLowerCase());

/** What is configured: a host, and a port when it is not the one `serve` listens on. */
export const publicOriginSetting = z.strictObject({
  host: publicHost,
  port: z.number().int().min(1).max(65_535).optional(),
});
export type PublicOriginSetting = z.infer<typeof publicOriginSetting>;

export class PublicOriginError extends Error {
  override name = 'PublicOriginError';
}

/**
 * `https://host[:port]` (no path, query or credentials) → host and port (443 when the URL has
 * none); a bare `host` → host only (the port follows `--listen`).
 */
export function parsePublicOrigin(value: string): PublicOriginSetting {
  if (!value.includes('://')) {
    const host = publicHost.safeParse(value);
    if (!host.success) throw new PublicOriginError(`"${value}" is not a host name: give a DNS name such as gateway.lab.example, or https://gateway.lab.example:8443`);
    return { host: host.data };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new PublicOriginError(`"${value}" is not a URL: give https://NAME[:PORT], such as https://gateway.lab.example:8443`);
  }
  if (url.protocol !== 'https:') throw new PublicOriginError(`"${value}" must start with https:// (the gateway serves only HTTPS)`);
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new PublicOriginError(`"${value}" must be an origin only, https://NAME[:PORT], with no path, query or credentials`);
  }
  const bare = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const host = publicHost.safeParse(bare);
  if (!host.success) throw new PublicOriginError(`"${value}": ${host.error.issues[0]?.message ?? 'bad host'}`);
  return { host: host.data, port: url.port ? Number(url.port) : 443 };
}

export function formatOrigin(host: string, port: number): string {
  return new URL(`https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`).origin;
}

/** The origin a setting means when the gateway listens on `listenPort`. */
export function originOf(setting: PublicOriginSetting, listenPort: number): string {
  return formatOrigin(setting.host, setting.port ?? listenPort);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The origin `serve` uses: the run's `--public-origin`, else the configured one, else, only when
 * listening on loopback, the listen address itself (a gateway nobody else can reach needs no
 * name). Listening on any other address without a public origin is refused: its invites would
 * name an address the testers cannot use.
 */
export function decidePublicOrigin(input: {
  flag?: PublicOriginSetting | undefined;
  configured?: PublicOriginSetting | null | undefined;
  listenHost: string;
  listenPort: number;
}): { origin: string; source: 'flag' | 'configuration' | 'loopback' } {
  if (input.flag) return { origin: originOf(input.flag, input.listenPort), source: 'flag' };
  if (input.configured) return { origin: originOf(input.configured, input.listenPort), source: 'configuration' };
  if (isLoopbackHost(input.listenHost)) return { origin: formatOrigin(input.listenHost, input.listenPort), source: 'loopback' };
  const port = input.listenPort === 0 ? 8443 : input.listenPort;
  throw new PublicOriginError(
    `--listen ${input.listenHost.includes(':') ? `[${input.listenHost}]` : input.listenHost}:${input.listenPort} is reachable from other machines, but this gateway has no public origin, so its invites would point at an address testers cannot use. ` +
      `Add --public-origin https://NAME:${port} (NAME: the DNS name testers reach this machine by), or set it once with "airlock-gateway origin set https://NAME:${port}".`,
  );
}

/**
 * The origin for invites made while no gateway runs: the configured one, its port taken from
 * the origin the gateway last served at when the configuration leaves the port to `--listen`.
 */
export function originWhenStopped(configured: PublicOriginSetting | null, lastServed: string | null): string | null {
  if (configured?.port !== undefined) return originOf(configured, configured.port);
  if (configured && lastServed) {
    const url = new URL(lastServed);
    return originOf(configured, Number(url.port || 443));
  }
  return lastServed;
}
