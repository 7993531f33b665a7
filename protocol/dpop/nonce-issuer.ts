import { b64uDecode, b64uEncode, concatBytes, timingSafeEqualString } from '../encoding.js';
import type { NonceCheck } from './verify-proof.js';

/**
 * Stateless DPoP nonces (RFC 9449 §8): `b64u(issuedAt[4] ‖ random[8] ‖ mac[16])`, where mac is an
 * HMAC over the first 12 bytes under a secret every gateway instance shares. Any instance can
 * check any instance's nonce without a shared table; a nonce older than `lifetime` is stale.
 * The HMAC and the random source are injected so this stays pure (the gateway passes node:crypto).
 */
export interface NonceIssuerDeps {
  hmac: (data: Uint8Array) => Uint8Array;
  random: (n: number) => Uint8Array;
  now: () => number;
  /** Seconds a nonce stays valid. */
  lifetime: number;
  /** Seconds after which a new nonce is handed out on responses (defaults to lifetime / 2). */
  rotateAfter?: number;
}

export interface NonceIssuer {
  /** The nonce to hand out now (reused until it is half its lifetime old). */
  current(): string;
  check(nonce: string): NonceCheck;
}

export function createNonceIssuer(deps: NonceIssuerDeps): NonceIssuer {
  const rotateAfter = deps.rotateAfter ?? Math.max(1, Math.floor(deps.lifetime / 2));
  let cached: { nonce: string; issuedAt: number } | undefined;

  function mint(issuedAt: number): string {
    const head = new Uint8Array(12);
    new DataView(head.buffer).setUint32(0, issuedAt >>> 0);
    head.set(deps.random(8), 4);
    return b64uEncode(concatBytes(head, deps.hmac(head).subarray(0, 16)));
  }

  return {
    current() {
      const now = Math.floor(deps.now());
      if (cached === undefined || now - cached.issuedAt >= rotateAfter || now < cached.issuedAt) {
        cached = { nonce: mint(now), issuedAt: now };
      }
      return cached.nonce;
    },
    check(nonce) {
      let bytes: Uint8Array;
      try {
        bytes = b64uDecode(nonce);
      } catch {
        return 'invalid';
      }
      if (bytes.length !== 28) return 'invalid';
      const head = bytes.subarray(0, 12);
      const mac = b64uEncode(bytes.subarray(12));
      if (!timingSafeEqualString(mac, b64uEncode(deps.hmac(head).subarray(0, 16)))) return 'invalid';
      const issuedAt = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      const now = Math.floor(deps.now());
      if (issuedAt > now + 5) return 'invalid';
      return now - issuedAt > deps.lifetime ? 'stale' : 'valid';
    },
  };
}
