import { AirlockError } from '../errors.js';
import { b64uDecode, fromUtf8, sha256B64u, timingSafeEqualString } from '../encoding.js';
import { PublicKeyCache, verifyCompactEs256 } from '../jws/compact.js';
import { dpopHeader, dpopPayload, type DpopPayload } from '../schemas/dpop.js';
import type { EcPublicJwk } from '../schemas/common.js';
import { normalizeHtu } from './htu.js';
import { jwkThumbprint } from './thumbprint.js';

export type NonceCheck = 'valid' | 'stale' | 'invalid';

export interface VerifyProofOptions {
  /** The request's method and full URL as the gateway received them. */
  method: string;
  url: string;
  /** Seconds since the epoch, the gateway's clock. */
  now: number;
  /** Allowed distance of `iat` from `now`, in seconds (PROTOCOL.md: 60). */
  iatWindow?: number;
  /** Judges the proof's `nonce`; when given, a proof without a valid nonce gets `use_dpop_nonce`. */
  checkNonce?: (nonce: string) => NonceCheck;
  /** The access token sent with the request: `ath` must be its hash. */
  accessToken?: string;
  /** The token's `cnf.jkt`: the proof must be signed by that key. */
  expectedJkt?: string;
  keyCache?: PublicKeyCache;
}

export interface VerifiedProof {
  jti: string;
  iat: number;
  jwk: EcPublicJwk;
  jkt: string;
  payload: DpopPayload;
}

const thumbprints = new Map<string, Promise<string>>();
function cachedThumbprint(jwk: EcPublicJwk): Promise<string> {
  const id = `${jwk.x}.${jwk.y}`;
  let t = thumbprints.get(id);
  if (t === undefined) {
    if (thumbprints.size > 10_000) thumbprints.clear();
    t = jwkThumbprint(jwk);
    thumbprints.set(id, t);
  }
  return t;
}

/** The one refusal of a bad proof (the gateway's fast verifier throws the same). */
export function invalid(reason: string): AirlockError {
  return new AirlockError('dpop_invalid', `Invalid DPoP proof: ${reason}.`);
}

/** What a verifier already knows when the claims are checked; each computes these its own way (sync, cached, async). */
export interface ProofFacts {
  /** normalizeHtu, or a cached copy of it. */
  normalize(url: string): string;
  /** The base64url SHA-256 of an access token. */
  athOf(token: string): string;
  /** The thumbprint of the proof's embedded key. */
  jkt: string;
}

/**
 * Steps 4 to 7 of verifyDpopProof, on claims whose signature already holds: method and URL of this
 * very request, iat window, server nonce, `ath`, key binding. Shared with the gateway's per-request
 * verifier so that the two cannot drift apart.
 */
export function checkProofClaims(payload: DpopPayload, options: Omit<VerifyProofOptions, 'keyCache'>, facts: ProofFacts): void {
  // 4. Method and URL of this very request.
  if (payload.htm !== options.method.toUpperCase()) throw invalid(`htm is ${payload.htm}, the request is ${options.method}`);
  let htu: string;
  try {
    htu = facts.normalize(payload.htu);
  } catch {
    throw invalid('htu is not a URL');
  }
  if (htu !== facts.normalize(options.url)) throw invalid('htu does not match the request URL');

  // 5. Freshness.
  const window = options.iatWindow ?? 60;
  if (payload.iat > options.now + window) throw invalid('iat is in the future; check the device clock');
  if (payload.iat < options.now - window) throw invalid('iat is too old; check the device clock');

  // 6. Server nonce.
  if (options.checkNonce) {
    if (payload.nonce === undefined) throw new AirlockError('use_dpop_nonce', 'A DPoP nonce is required: retry with the DPoP-Nonce header value.');
    const verdict = options.checkNonce(payload.nonce);
    if (verdict !== 'valid') throw new AirlockError('use_dpop_nonce', `The DPoP nonce is ${verdict === 'stale' ? 'stale' : 'not one this gateway issued'}: retry with the DPoP-Nonce header value.`);
  }

  // 7. Token hash and key binding.
  if (options.accessToken !== undefined) {
    if (payload.ath === undefined) throw invalid('ath is missing');
    if (!timingSafeEqualString(payload.ath, facts.athOf(options.accessToken))) throw invalid('ath does not match the access token');
  }
  if (options.expectedJkt !== undefined && !timingSafeEqualString(facts.jkt, options.expectedJkt)) {
    throw invalid('the proof is signed by a key other than the one the token is bound to');
  }
}

/**
 * Checks a DPoP proof (RFC 9449 §4.3) in a fixed order: shape, header (typ, alg ES256 only,
 * public JWK), signature with the embedded key, claims, method and URL, iat window, nonce,
 * `ath`, and key binding. Replay (`jti`) is the caller's check, after this one passes.
 */
export async function verifyDpopProof(proof: string | undefined, options: VerifyProofOptions): Promise<VerifiedProof> {
  // 1. Exactly one well-formed compact JWS.
  if (proof === undefined || proof === '') throw invalid('the DPoP header is missing');
  const parts = proof.split('.');
  if (parts.length !== 3) throw invalid('not a compact JWS');

  // 2. Header: typ dpop+jwt, alg ES256 (none, HS256 and the rest refused), an EC P-256 public JWK.
  let rawHeader: unknown;
  try {
    rawHeader = JSON.parse(fromUtf8(b64uDecode(parts[0]!)));
  } catch {
    throw invalid('the header is not base64url JSON');
  }
  const header = dpopHeader.safeParse(rawHeader);
  if (!header.success) throw invalid('the header must be {typ: "dpop+jwt", alg: "ES256", jwk: <P-256 public key>}');

  // 3. Signature by the embedded key; the payload is read only after it holds.
  let payloadJson: unknown;
  try {
    payloadJson = (await verifyCompactEs256(proof, header.data.jwk, options.keyCache)).payload;
  } catch {
    throw invalid('the signature does not verify');
  }
  const claims = dpopPayload.safeParse(payloadJson);
  if (!claims.success) throw invalid('the claims must be jti, htm, htu, iat and optionally nonce and ath');
  const payload = claims.data;

  // 4–7. The hashes are async here (WebCrypto), so they are made before the (sync) claim checks.
  const ath = options.accessToken === undefined ? '' : await sha256B64u(options.accessToken);
  const jkt = await cachedThumbprint(header.data.jwk);
  checkProofClaims(payload, options, { normalize: normalizeHtu, athOf: () => ath, jkt });

  return { jti: payload.jti, iat: payload.iat, jwk: header.data.jwk, jkt, payload };
}
