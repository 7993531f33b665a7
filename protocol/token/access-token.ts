import { AirlockError } from '../errors.js';
import { decodeCompactUnverified, signCompact, verifyCompactEs256, PublicKeyCache } from '../jws/compact.js';
import type { Es256Signer } from '../jws/signer.js';
import type { EcPublicJwk } from '../schemas/common.js';
import { accessTokenClaims, accessTokenHeader, type AccessTokenClaims } from '../schemas/session.js';

/** The gateway's DPoP-bound access token (PROTOCOL.md, "Sessions"): an ES256 JWS, `typ: at+jwt`. */
export function signAccessToken(signer: Es256Signer, claims: AccessTokenClaims, kid?: string): Promise<string> {
  return signCompact(kid === undefined ? { alg: 'ES256', typ: 'at+jwt' } : { alg: 'ES256', typ: 'at+jwt', kid }, claims, signer);
}

export interface AccessTokenVerifier {
  /** Verified claims, or `token_invalid` / `token_expired`. */
  verify(token: string, now: number): Promise<AccessTokenClaims>;
}

/**
 * Verifies tokens against the gateway's token key, issuer and audience. A verified token's claims
 * are cached until it expires: the signature cannot change, and this saves one ES256 verification
 * on every authenticated call (DESIGN.md, performance).
 */
export function createAccessTokenVerifier(options: { publicJwk: EcPublicJwk; issuer: string; audience: string; maxCached?: number }): AccessTokenVerifier {
  const keyCache = new PublicKeyCache(4);
  const cache = new Map<string, AccessTokenClaims>();
  const maxCached = options.maxCached ?? 100_000;

  return {
    async verify(token, now) {
      let claims = cache.get(token);
      if (claims === undefined) {
        try {
          accessTokenHeader.parse(decodeCompactUnverified(token).header);
        } catch {
          throw new AirlockError('token_invalid', 'The access token is not a gateway token (alg must be ES256, typ at+jwt). Start a new session.');
        }
        let raw: unknown;
        try {
          raw = (await verifyCompactEs256(token, options.publicJwk, keyCache)).payload;
        } catch {
          throw new AirlockError('token_invalid', 'The access token was not signed by this gateway. Start a new session.');
        }
        const parsed = accessTokenClaims.safeParse(raw);
        if (!parsed.success) throw new AirlockError('token_invalid');
        claims = parsed.data;
        if (claims.iss !== options.issuer || claims.aud !== options.audience) {
          throw new AirlockError('token_invalid', 'The access token was issued for another gateway. Start a new session.');
        }
        if (cache.size >= maxCached) {
          for (const [key, value] of cache) if (value.exp <= now) cache.delete(key);
          if (cache.size >= maxCached) cache.delete(cache.keys().next().value!);
        }
        cache.set(token, claims);
      }
      if (claims.exp <= now) {
        cache.delete(token);
        throw new AirlockError('token_expired');
      }
      return claims;
    },
  };
}
