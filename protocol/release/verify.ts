import { compactVerify, importJWK } from 'jose';
import { b64uDecode, fromUtf8 } from '../encoding.js';
import { jwkThumbprint } from '../dpop/thumbprint.js';
import { ecPublicJwk, type EcPublicJwk } from '../schemas/common.js';
import { ReleaseError, describeIssue } from './errors.js';
import { releaseHeader, releaseManifest, type ReleaseManifest } from './manifest.js';

export interface VerifiedRelease {
  manifest: ReleaseManifest;
  /** Thumbprint of the release key that signed it. */
  kid: string;
}

const COMPACT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(fromUtf8(b64uDecode(part)));
  } catch {
    throw new ReleaseError('release_malformed', `Its ${what} is not base64url JSON.`);
  }
}

/**
 * Verifies a signed release manifest against the trusted release keys, in a fixed order: shape,
 * `alg` (ES256 only, before anything else is believed), header, key lookup by thumbprint,
 * signature, and only then the payload. Throws a ReleaseError naming the first failure.
 */
export async function verifyReleaseManifest(jws: string, trustedKeys: readonly EcPublicJwk[]): Promise<VerifiedRelease> {
  // 1. Shape.
  const text = jws.trim();
  if (text.length > 4_000_000 || !COMPACT_RE.test(text)) throw new ReleaseError('release_malformed', 'It is not a compact JWS.');
  const [headerPart] = text.split('.') as [string, string, string];
  const header = decodeJson(headerPart, 'header');

  // 2. Algorithm: anything but ES256 is refused by name, so an alg swap reads as what it is.
  const alg = typeof header === 'object' && header !== null ? (header as { alg?: unknown }).alg : undefined;
  if (alg !== 'ES256') throw new ReleaseError('release_alg_refused', `It says alg ${JSON.stringify(alg ?? null)}.`);

  // 3. The rest of the header: typ and kid, nothing else.
  const parsedHeader = releaseHeader.safeParse(header);
  if (!parsedHeader.success) throw new ReleaseError('release_malformed', `Header ${describeIssue(parsedHeader.error.issues[0])}.`);
  const { kid } = parsedHeader.data;

  // 4. The key: only one of the trusted release keys, found by its thumbprint.
  let key: EcPublicJwk | undefined;
  for (const candidate of trustedKeys) {
    const parsed = ecPublicJwk.safeParse(candidate);
    if (!parsed.success) throw new ReleaseError('release_key_invalid', `A trusted release key is not a P-256 public JWK: ${describeIssue(parsed.error.issues[0])}.`);
    const jwk = parsed.data;
    if ((await jwkThumbprint(jwk)) === kid) {
      key = jwk;
      break;
    }
  }
  if (key === undefined) throw new ReleaseError('release_key_unknown', `Its key ${kid} is not among the ${trustedKeys.length} trusted release key(s).`);

  // 5. Signature.
  let payloadBytes: Uint8Array;
  try {
    const publicKey = await importJWK({ kty: key.kty, crv: key.crv, x: key.x, y: key.y }, 'ES256');
    ({ payload: payloadBytes } = await compactVerify(text, publicKey, { algorithms: ['ES256'] }));
  } catch {
    throw new ReleaseError('release_signature_invalid', `Key ${kid}.`);
  }

  // 6. Payload, decoded only now that the signature holds.
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(payloadBytes));
  } catch {
    throw new ReleaseError('release_malformed', 'Its payload is not JSON.');
  }
  const manifest = releaseManifest.safeParse(raw);
  if (!manifest.success) throw new ReleaseError('release_malformed', describeIssue(manifest.error.issues[0]));
  return { manifest: manifest.data, kid };
}
