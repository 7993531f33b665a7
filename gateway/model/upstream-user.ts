import { createHmac } from 'node:crypto';

/** Remembered ids; beyond this many testers the map starts again (it is only a cache). */
const MAX_CACHED = 10_000;

/**
 * The `user` an upstream is sent for a tester: `airlock-` and 22 base64url characters of an HMAC
 * of the tester's email under a gateway secret. Stable (the same tester always has the same id,
 * across restarts and instances, so the upstream's abuse tracking works), opaque (the upstream
 * cannot recover the email or link it to another gateway), and never the client's own value.
 */
export function createUpstreamUserIds(secret: Buffer): (tester: string) => string {
  const cache = new Map<string, string>();
  return (tester) => {
    let id = cache.get(tester);
    if (id === undefined) {
      id = `airlock-${createHmac('sha256', secret).update('airlock upstream user\0').update(tester).digest('base64url').slice(0, 22)}`;
      if (cache.size >= MAX_CACHED) cache.clear();
      cache.set(tester, id);
    }
    return id;
  };
}
