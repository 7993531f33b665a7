import { b64uEncode, sha256B64u } from '../encoding.js';
import { signCompact } from '../jws/compact.js';
import type { Es256Signer } from '../jws/signer.js';
import type { DpopPayload } from '../schemas/dpop.js';
import { normalizeHtu } from './htu.js';

export interface CreateProofInput {
  htm: DpopPayload['htm'];
  /** The request URL; query and fragment are dropped. */
  url: string;
  nonce?: string;
  /** The access token sent with the request, if any: its hash becomes `ath`. */
  accessToken?: string;
  /** Seconds since the epoch; the caller's clock. */
  now: number;
  /** 16+ random bytes for `jti`. */
  random: Uint8Array;
}

/** A DPoP proof JWT (RFC 9449 §4.2) signed with the device key. */
export async function createDpopProof(signer: Es256Signer, input: CreateProofInput): Promise<string> {
  const payload: DpopPayload = {
    jti: b64uEncode(input.random),
    htm: input.htm,
    htu: normalizeHtu(input.url),
    iat: Math.floor(input.now),
  };
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  if (input.accessToken !== undefined) payload.ath = await sha256B64u(input.accessToken);
  return signCompact({ typ: 'dpop+jwt', alg: 'ES256', jwk: signer.publicJwk }, payload, signer);
}
