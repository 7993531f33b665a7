/**
 * A tester's device with its key in a software TPM, driving the wire of PROTOCOL.md's "TPM-bound
 * device keys" directly (the app's own client is main/core/; this is what the gateway tests need:
 * every step separately, so a step can be swapped for one from another TPM or replayed).
 * The TPM work is main/core/tpm/'s (tpm2-tools); DPoP proofs and calls go through
 * test/helpers/pinned-client.ts's TestDevice, signed by the in-memory session key.
 */
import { createHash } from 'node:crypto';
import { createEnrollAttestation, createSessionAttestation } from '../../protocol/attestation/attestation.js';
import { jwkThumbprint } from '../../protocol/dpop/thumbprint.js';
import type { Es256Signer } from '../../protocol/jws/signer.js';
import { parseInviteLink } from '../../protocol/invite/link.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import { enrollResponse, type EnrollResponse } from '../../protocol/schemas/enroll.js';
import { sessionResponse, type SessionResponse } from '../../protocol/schemas/session.js';
import { tpmActivationResponse, type TpmActivationResponse, type TpmEnrollProof } from '../../protocol/schemas/tpm.js';
import { activateCredential, certifyDeviceKey, createAk, createDeviceKey, createEk, readEkCertificate, signWithLoadedKey } from '../../main/core/tpm/tpm-device.js';
import { createTpmTools, type TpmTools, type WorkDir } from '../../main/core/tpm/tpm-tools.js';
import type { TpmKeyRecord } from '../../main/core/tpm/key-record.js';
import { ApiError, createTestDevice, defaultEvidence, machineIdHash, nodeSigner, type GatewayClient, type RawResponse, type TestDevice } from './pinned-client.js';
import type { SoftwareTpm } from './swtpm.js';

const b64u = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export function fail(response: RawResponse): never {
  let message = response.text;
  try {
    message = response.json<{ error: { message: string } }>().error.message;
  } catch {
    // keep the raw text
  }
  throw new ApiError(response.status, response.errorCode, message, response);
}

/** What one TPM holds for an enrollment: EK certificate, AK and device key, loaded in `dir`. */
export interface TpmEnrollmentKeys {
  tools: TpmTools;
  dir: WorkDir;
  ekCert: Uint8Array;
  akPublic: Uint8Array;
  key: TpmKeyRecord;
  /** The device key as an ES256 signer (the TPM signs). */
  signer: Es256Signer;
}

/** Makes EK, AK and a device key in the TPM (work dir removed by `release`). */
export async function tpmEnrollmentKeys(tpm: SoftwareTpm, tmpRoot?: string): Promise<TpmEnrollmentKeys & { release(): Promise<void> }> {
  const tools = createTpmTools({ tcti: tpm.tcti, ...(tmpRoot ? { tmpRoot } : {}) });
  const dir = await tools.openWorkDir();
  const ek = await readEkCertificate(tools, dir);
  await createEk(tools, dir, ek.keyType);
  const akPublic = await createAk(tools, dir);
  const key = await createDeviceKey(tools, dir);
  const signer: Es256Signer = { publicJwk: key.publicJwk, sign: (input) => signWithLoadedKey(tools, dir, input) };
  return { tools, dir, ekCert: ek.der, akPublic, key, signer, release: () => dir.remove() };
}

export const qualifyingData = (nonce: string): Buffer => createHash('sha256').update(nonce, 'utf8').digest();

/** Evidence of a TPM device (keyStorage "tpm"). */
export function tpmEvidence(salt: string, machineId: string, overrides: Partial<Evidence> = {}): Evidence {
  return { ...defaultEvidence(machineIdHash(salt, machineId)), keyStorage: 'tpm', ...overrides };
}

export function codeOf(linkOrCode: string): string {
  return linkOrCode.startsWith('airlock:') ? parseInviteLink(linkOrCode).code : linkOrCode;
}

export async function challenge(client: GatewayClient, code: string): Promise<{ nonce: string; salt: string }> {
  const response = await client.raw('POST', '/v1/enroll/challenge', { body: { code } });
  if (response.status !== 200) fail(response);
  return response.json<{ nonce: string; salt: string }>();
}

export async function requestActivation(client: GatewayClient, body: { code: string; nonce: string; ekCert: Uint8Array; akPublic: Uint8Array }): Promise<TpmActivationResponse> {
  const response = await client.raw('POST', '/v1/enroll/tpm/activation', { body: { code: body.code, nonce: body.nonce, ekCert: b64u(body.ekCert), akPublic: b64u(body.akPublic) } });
  if (response.status !== 200) fail(response);
  return tpmActivationResponse.parse(response.json());
}

/** ActivateCredential in the TPM of `keys` (fails in a TPM whose EK or AK the credential does not name). */
export async function activate(keys: TpmEnrollmentKeys, activation: TpmActivationResponse): Promise<Uint8Array> {
  return activateCredential(keys.tools, keys.dir, Buffer.from(activation.credentialBlob, 'base64url'), Buffer.from(activation.encryptedSecret, 'base64url'));
}

export async function certify(keys: TpmEnrollmentKeys, nonce: string): Promise<{ certifyInfo: Uint8Array; certifySignature: Uint8Array }> {
  return certifyDeviceKey(keys.tools, keys.dir, qualifyingData(nonce));
}

export async function postEnroll(client: GatewayClient, body: { attestation: string; tpm?: TpmEnrollProof }): Promise<EnrollResponse> {
  const response = await client.raw('POST', '/v1/enroll', { body });
  if (response.status !== 201) fail(response);
  return enrollResponse.parse(response.json());
}

export interface TpmTestDevice {
  keys: TpmEnrollmentKeys;
  deviceId: string;
  tester: string;
  salt: string;
  machineId: string;
  /** The enrollment request as sent (to replay it). */
  enrollBody: { attestation: string; tpm: TpmEnrollProof };
  /**
   * Opens a session: a fresh in-memory session key, the TPM-signed attestation naming its
   * thumbprint, the proof signed by the session key. Returns a TestDevice whose calls use that key.
   */
  session(options?: { sessionJkt?: string | null; proofSigner?: 'session' | 'device' }): Promise<{ device: TestDevice; response: SessionResponse }>;
}

/** An enrollment made ready, not sent: challenge, activation and certification by `keys` (parts may be swapped). */
export interface PreparedTpmEnrollment {
  code: string;
  nonce: string;
  salt: string;
  machineId: string;
  activation: TpmActivationResponse;
  proof: TpmEnrollProof;
  /** The enrollment attestation, signed by the device key of `keys` unless another signer is given. */
  attestation(signer?: Es256Signer): Promise<string>;
}

export async function prepareTpmEnrollment(client: GatewayClient, link: string, keys: TpmEnrollmentKeys, machineId = 'tpm-machine-' + Math.random().toString(16).slice(2)): Promise<PreparedTpmEnrollment> {
  const code = codeOf(link);
  const { nonce, salt } = await challenge(client, code);
  const activation = await requestActivation(client, { code, nonce, ekCert: keys.ekCert, akPublic: keys.akPublic });
  const secret = await activate(keys, activation);
  const { certifyInfo, certifySignature } = await certify(keys, nonce);
  const proof: TpmEnrollProof = {
    activationId: activation.activationId,
    secret: b64u(secret),
    akPublic: b64u(keys.akPublic),
    devicePublic: keys.key.public,
    certifyInfo: b64u(certifyInfo),
    certifySignature: b64u(certifySignature),
  };
  const attestation = (signer: Es256Signer = keys.signer) => createEnrollAttestation(signer, { code, nonce, iat: Math.floor(Date.now() / 1000), evidence: tpmEvidence(salt, machineId) });
  return { code, nonce, salt, machineId, activation, proof, attestation };
}

/** The whole TPM enrollment, step by step, then the device ready to open sessions. */
export async function enrollTpmDevice(client: GatewayClient, link: string, keys: TpmEnrollmentKeys, machineId?: string): Promise<TpmTestDevice> {
  const prepared = await prepareTpmEnrollment(client, link, keys, machineId);
  const enrollBody = { attestation: await prepared.attestation(), tpm: prepared.proof };
  const enrolled = await postEnroll(client, enrollBody);
  return tpmTestDevice(client, keys, { deviceId: enrolled.deviceId, tester: enrolled.tester, salt: prepared.salt, machineId: prepared.machineId, enrollBody });
}

function tpmTestDevice(client: GatewayClient, keys: TpmEnrollmentKeys, facts: Omit<TpmTestDevice, 'keys' | 'session'>): TpmTestDevice {
  let lastNonce: string | undefined;
  return {
    keys,
    ...facts,
    async session(options = {}) {
      const sessionKey = nodeSigner();
      const device = await createTestDevice(client, { signer: options.proofSigner === 'device' ? keys.signer : sessionKey, machineId: facts.machineId });
      device.deviceId = facts.deviceId;
      device.tester = facts.tester;
      device.salt = facts.salt;
      device.nonce = lastNonce;
      const sessionJkt = options.sessionJkt === null ? undefined : (options.sessionJkt ?? (await jwkThumbprint(sessionKey.publicJwk)));
      const attempt = async () => {
        const nonce = device.nonce;
        const attestation = await createSessionAttestation(keys.signer, facts.deviceId, {
          nonce: nonce ?? 'AAAA',
          iat: Math.floor(Date.now() / 1000),
          evidence: tpmEvidence(facts.salt, facts.machineId),
          ...(sessionJkt !== undefined ? { sessionJkt } : {}),
        });
        const dpop = await device.proof('POST', '/v1/session', { nonce: nonce ?? null });
        const response = await client.raw('POST', '/v1/session', { headers: { dpop }, body: { attestation } });
        const fresh = response.headers['dpop-nonce'];
        if (typeof fresh === 'string') device.nonce = fresh;
        return response;
      };
      let response = await attempt();
      if (response.errorCode === 'use_dpop_nonce') response = await attempt();
      lastNonce = device.nonce;
      if (response.status !== 200) fail(response);
      const session = sessionResponse.parse(response.json());
      device.accessToken = session.accessToken;
      return { device, response: session };
    },
  };
}
