import type { z } from 'zod';
import { AirlockError } from '../errors.js';
import { verifyCompactEs256, decodeCompactUnverified, signCompact, type PublicKeyCache } from '../jws/compact.js';
import type { Es256Signer } from '../jws/signer.js';
import type { EcPublicJwk } from '../schemas/common.js';
import {
  enrollAttestationHeader,
  enrollAttestationPayload,
  type EnrollAttestationPayload,
} from '../schemas/enroll.js';
import {
  sessionAttestationHeader,
  sessionAttestationPayload,
  type SessionAttestationPayload,
} from '../schemas/session.js';

/** Attestations (PROTOCOL.md): evidence signed by the device key over a fresh gateway nonce. */
export const ATTESTATION_TYP = 'airlock-attest+jwt';

export function createEnrollAttestation(signer: Es256Signer, payload: EnrollAttestationPayload): Promise<string> {
  return signCompact({ alg: 'ES256', typ: ATTESTATION_TYP, jwk: signer.publicJwk }, payload, signer);
}

export function createSessionAttestation(signer: Es256Signer, deviceId: string, payload: SessionAttestationPayload): Promise<string> {
  return signCompact({ alg: 'ES256', typ: ATTESTATION_TYP, kid: deviceId }, payload, signer);
}

function refuse(reason: string): AirlockError {
  return new AirlockError('attestation_invalid', `The device attestation was refused: ${reason}. Restart the app and try again.`);
}

/**
 * What both attestations check once their key is known, in order: the signature (`unsigned` says
 * why it fails), then the payload's shape, then `iat` within the window. The payload is read only
 * after the signature holds.
 */
async function verifiedPayload<T extends { iat: number }>(
  jws: string,
  jwk: EcPublicJwk,
  schema: z.ZodType<T>,
  unsigned: string,
  options: { now: number; iatWindow?: number; keyCache?: PublicKeyCache },
): Promise<T> {
  let raw: unknown;
  try {
    raw = (await verifyCompactEs256(jws, jwk, options.keyCache)).payload;
  } catch {
    throw refuse(unsigned);
  }
  const payload = schema.safeParse(raw);
  if (!payload.success) throw new AirlockError('bad_request', `The attestation payload is malformed: ${payload.error.issues[0]?.path.join('.') ?? ''} ${payload.error.issues[0]?.message ?? ''}`.trim());
  const window = options.iatWindow ?? 60;
  if (payload.data.iat > options.now + window || payload.data.iat < options.now - window) throw refuse('its time is off; check the device clock');
  return payload.data;
}

/** Enrollment: the attestation carries the new device key and is verified with it. */
export async function verifyEnrollAttestation(
  jws: string,
  options: { now: number; iatWindow?: number; keyCache?: PublicKeyCache },
): Promise<{ jwk: EcPublicJwk; payload: EnrollAttestationPayload }> {
  let header;
  try {
    header = enrollAttestationHeader.parse(decodeCompactUnverified(jws).header);
  } catch {
    throw refuse('its header must be {alg: "ES256", typ: "airlock-attest+jwt", jwk}');
  }
  const payload = await verifiedPayload(jws, header.jwk, enrollAttestationPayload, 'its signature does not verify', options);
  return { jwk: header.jwk, payload };
}

/** Reads the `kid` (device id) of a session attestation, to look up the key that must verify it. */
export function sessionAttestationDeviceId(jws: string): string {
  try {
    return sessionAttestationHeader.parse(decodeCompactUnverified(jws).header).kid;
  } catch {
    throw refuse('its header must be {alg: "ES256", typ: "airlock-attest+jwt", kid: <device id>}');
  }
}

/** Session: the attestation must be signed by the device's registered key. */
export async function verifySessionAttestation(
  jws: string,
  registeredJwk: EcPublicJwk,
  options: { now: number; iatWindow?: number; keyCache?: PublicKeyCache },
): Promise<SessionAttestationPayload> {
  sessionAttestationDeviceId(jws);
  return verifiedPayload(jws, registeredJwk, sessionAttestationPayload, 'it is not signed by this device\'s registered key', options);
}
