import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { isB64u } from '../../protocol/encoding.js';
import { normalizeHtu } from '../../protocol/dpop/htu.js';
import { checkProofClaims, invalid, type VerifiedProof, type VerifyProofOptions } from '../../protocol/dpop/verify-proof.js';
import type { DpopHeader } from '../../protocol/schemas/dpop.js';
import { dpopHeaderFast, dpopPayloadFast } from './proof-fast-path.js';
import type { EcPublicJwk } from '../../protocol/schemas/common.js';

export type ProofVerifier = (proof: string | undefined, options: Omit<VerifyProofOptions, 'keyCache'>) => Promise<VerifiedProof>;


/** Non-streaming decodes share one decoder: each call is complete in itself. */
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** RFC 7638 §3.1 SHA-256 thumbprint of a P-256 key: the required members in lexicographic order. */
function thumbprintOf(jwk: EcPublicJwk): string {
  return createHash('sha256').update(`{"crv":"P-256","kty":"EC","x":"${jwk.x}","y":"${jwk.y}"}`, 'utf8').digest('base64url');
}

/** A header that passed its checks, with what it yields: the device key and its thumbprint. */
interface CheckedHeader {
  data: DpopHeader;
  key: KeyObject;
  jkt: string;
}

/** The signature check on the event loop: node:crypto's one-shot verify (about 65 µs of its time). */
function verifiesHere(header: CheckedHeader, input: Buffer, signature: Buffer): boolean {
  try {
    return verifySignature('sha256', input, { key: header.key, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}

/**
 * The same check on libuv's thread pool (node:crypto's verify with a callback: the same OpenSSL
 * call on a pool thread): about 13 µs of the event loop's time instead of 65, for some 30 µs more
 * CPU in all and a thread hop of latency. Worth it only when other calls wait for the event loop.
 * (WebCrypto's verify does the same job but costs the loop 20 µs in its argument checks.)
 */
function verifiesOffLoop(header: CheckedHeader, input: Buffer, signature: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verifySignature('sha256', input, { key: header.key, dsaEncoding: 'ieee-p1363' }, signature, (error, verified) => resolve(error === null && verified));
    } catch {
      resolve(false);
    }
  });
}

/** A bounded map that forgets its oldest entry when full. */
function bounded<V>(max: number) {
  const map = new Map<string, V>();
  return {
    get: (key: string) => map.get(key),
    set(key: string, value: V) {
      if (map.size >= max) map.delete(map.keys().next().value!);
      map.set(key, value);
    },
  };
}

/**
 * The gateway's hot-path DPoP verifier: the same checks, in the same order and with the same codes
 * and messages, as protocol/dpop/verify-proof.ts (a differential test in
 * test/unit/gateway/proof-verifier.test.ts holds the two together), but on node:crypto instead of
 * WebCrypto: a synchronous ES256 verification over a cached KeyObject (about 0.07 ms, against
 * 0.18 ms through jose and a thread-pool hop, DESIGN.md), and the access token's hash computed
 * once per token instead of once per call. When `offload()` says other calls are waiting for the
 * event loop, the signature is checked on libuv's thread pool instead (the same verdict: the
 * differential test runs both ways). Used by the auth hook on every authenticated request.
 */
export function createProofVerifier(options: { maxKeys?: number; offload?: () => boolean } = {}): ProofVerifier {
  const offload = options.offload ?? (() => false);
  const max = options.maxKeys ?? 10_000;
  const tokenHashes = bounded<string>(max);
  // A device sends the same header bytes (its key) on every call: a header that passed is kept
  // with its imported key and thumbprint (DESIGN.md: cache the device's key).
  const headers = bounded<CheckedHeader>(max);
  // The same few URLs come back on every call: their normalised form is kept (a failure is not).
  const htus = bounded<string>(1_000);

  function tokenHash(token: string): string {
    let h = tokenHashes.get(token);
    if (h === undefined) {
      h = createHash('sha256').update(token, 'utf8').digest('base64url');
      tokenHashes.set(token, h);
    }
    return h;
  }

  function normalized(url: string): string {
    let n = htus.get(url);
    if (n === undefined) {
      n = normalizeHtu(url);
      htus.set(url, n);
    }
    return n;
  }

  return async (proof, opts) => {
    // 1. Exactly one well-formed compact JWS (every part strict base64url).
    if (proof === undefined || proof === '') throw invalid('the DPoP header is missing');
    const parts = proof.split('.');
    if (parts.length !== 3) throw invalid('not a compact JWS');
    const [h, p, s] = parts as [string, string, string];

    // 2. Header: typ dpop+jwt, alg ES256 (none, HS256 and the rest refused), an EC P-256 public JWK.
    // A device sends the same header bytes on every call: a header that passed is remembered.
    let header = headers.get(h);
    if (header === undefined) {
      let rawHeader: unknown;
      try {
        if (!isB64u(h)) throw new TypeError('not base64url');
        rawHeader = JSON.parse(utf8Fatal.decode(Buffer.from(h, 'base64url')));
      } catch {
        throw invalid('the header is not base64url JSON');
      }
      const parsed = dpopHeaderFast.safeParse(rawHeader);
      if (!parsed.success) throw invalid('the header must be {typ: "dpop+jwt", alg: "ES256", jwk: <P-256 public key>}');
      const { x, y } = parsed.data.jwk;
      let key: KeyObject;
      try {
        key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
      } catch {
        // Not a point on the curve: no signature can verify with it.
        throw invalid('the signature does not verify');
      }
      header = { data: parsed.data, key, jkt: thumbprintOf(parsed.data.jwk) };
      headers.set(h, header);
    }

    // 3. Signature by the embedded key (raw r‖s, 64 bytes); the payload is read only after it holds.
    // Under load (other calls in flight, `offload`) the verification leaves the event loop, which
    // the gateway's calls share; a lone call keeps it here, where it is quickest.
    const signature = Buffer.from(s, 'base64url');
    const wellFormed = isB64u(p) && isB64u(s) && signature.length === 64;
    const input = wellFormed ? Buffer.from(`${h}.${p}`, 'ascii') : null;
    const verified = input !== null && (offload() ? await verifiesOffLoop(header, input, signature) : verifiesHere(header, input, signature));
    if (!verified) throw invalid('the signature does not verify');
    let payloadJson: unknown;
    try {
      payloadJson = JSON.parse(utf8Fatal.decode(Buffer.from(p, 'base64url')));
    } catch {
      throw invalid('the signature does not verify');
    }
    const claims = dpopPayloadFast.safeParse(payloadJson);
    if (!claims.success) throw invalid('the claims must be jti, htm, htu, iat and optionally nonce and ath');
    const payload = claims.data;

    // 4–7. Method, URL, iat, nonce, ath and key binding: the same checks as protocol's verifier.
    checkProofClaims(payload, opts, { normalize: normalized, athOf: tokenHash, jkt: header.jkt });
    return { jti: payload.jti, iat: payload.iat, jwk: header.data.jwk, jkt: header.jkt, payload };
  };
}
