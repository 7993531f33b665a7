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

function checkIat(iat: number, now: number, window: number): void {
  if (iat > now + window || iat < now - window) throw refuse('its time is off; check the device clock');
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
  let raw: unknown;
  try {
    raw = (await verifyCompactEs256(jws, header.jwk, options.keyCache)).payload;
  } catch {
    throw refuse('its signature does not verify');
  }
  const payload = enrollAttestationPayload.safeParse(raw);
  if (!payload.success) throw new AirlockError('bad_request', `The attestation payload is malformed: ${payload.error.issues[0]?.path.join('.') ?? ''} ${payload.error.issues[0]?.message ?? ''}`.trim());
  checkIat(payload.data.iat, options.now, options.iatWindow ?? 60);
  return { jwk: header.jwk, payload: payload.data };
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
  let raw: unknown;
  try {
    raw = (await verifyCompactEs256(jws, registeredJwk, options.keyCache)).payload;
  } catch {
    throw refuse('it is not signed by this device\'s registered key');
  }
  const payload = sessionAttestationPayload.safeParse(raw);
  if (!payload.success) throw new AirlockError('bad_request', `The attestation payload is malformed: ${payload.error.issues[0]?.path.join('.') ?? ''} ${payload.error.issues[0]?.message ?? ''}`.trim());
  checkIat(payload.data.iat, options.now, options.iatWindow ?? 60);
  return payload.data;
}
