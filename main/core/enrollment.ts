import { createEnrollAttestation } from '../../protocol/attestation/attestation.js';
import { AirlockError } from '../../protocol/errors.js';
import type { InviteLink } from '../../protocol/invite/link.js';
import { enrollChallengeResponse, enrollResponse } from '../../protocol/schemas/enroll.js';
import { TPM_KEYS_HEADER, tpmActivationResponse, tpmKeysStance, type TpmEnrollProof, type TpmKeysStance } from '../../protocol/schemas/tpm.js';
import type { Evidence } from '../../protocol/schemas/evidence.js';
import type { DpopClient } from './session/dpop-client.js';
import { errorFromResponse } from './session/gateway-error.js';
import type { GatewayHttp, GatewayResponse } from './transport/gateway-http.js';
import { startTpmEnrollment } from './tpm/tpm-enrollment.js';
import type { TpmTools } from './tpm/tpm-tools.js';
import { notTrusted } from './transport/trust-bootstrap.js';
import type { EnrollmentRecord } from './vault/record.js';
import type { DeviceIdentity, Vault } from './vault/vault.js';

export interface EnrollDeps {
  invite: InviteLink;
  http: GatewayHttp;
  dpop: DpopClient;
  vault: Vault;
  /** The keychain check (`Vault.assertUsable`), already started: it must pass before the invite is spent. */
  keychainUsable: Promise<void>;
  collect: (salt: string) => Promise<Evidence>;
  /** Starts reading the machine facts early; its failure surfaces from `collect`. */
  warm?: () => Promise<void>;
  /** CA certificates the pinned transport accepted on the way (PROTOCOL.md "Trust bootstrap"). */
  acceptedCas: () => readonly string[];
  now: () => number;
  onStep: (step: 'challenge' | 'attest' | 'enroll') => void;
  /**
   * Make the device key in this TPM and prove it (PROTOCOL.md "TPM-bound device keys"); absent,
   * the key is a keychain key as before.
   */
  tpm?: TpmTools;
}

async function postJson(deps: EnrollDeps, path: string, body: unknown): Promise<GatewayResponse> {
  const response = await deps.http.request({ method: 'POST', path, body: JSON.stringify(body) });
  deps.dpop.observe(response);
  if (response.status < 200 || response.status >= 300) throw await errorFromResponse(response);
  return response;
}

function malformed(what: string): AirlockError {
  return new AirlockError('bad_request', `The gateway sent a malformed ${what} answer. Update the app or tell your admin.`);
}

export interface EnrolledDevice {
  identity: DeviceIdentity;
  /**
   * The key and the record on their way into the keychain. The enrollment has succeeded only
   * once this resolves; the first session may run meanwhile.
   */
  saved: Promise<void>;
}

/**
 * Whether the gateway can verify a TPM key at all, from an enrollment challenge's
 * `airlock-tpm-keys` header (nothing is spent: a challenge is a nonce). Null when it did not say
 * (an older gateway) or the question failed: the enrollment itself then reports any error.
 */
export async function gatewayTpmKeysStance(http: GatewayHttp, code: string): Promise<TpmKeysStance | null> {
  try {
    const response = await http.request({ method: 'POST', path: '/v1/enroll/challenge', body: JSON.stringify({ code }) });
    await response.discard();
    if (response.status !== 200) return null;
    const stance = tpmKeysStance.safeParse(response.header(TPM_KEYS_HEADER));
    return stance.success ? stance.data : null;
  } catch {
    return null;
  }
}

/**
 * PROTOCOL.md "Enrollment": challenge, then an attestation made with a new device key over the
 * nonce. The key and the record reach the keychain only once the gateway has said yes.
 */
export async function enrollDevice(deps: EnrollDeps): Promise<EnrolledDevice> {
  deps.onStep('challenge');
  // The keychain check, key generation and the machine facts do not depend on the challenge
  // (which spends nothing): overlap them with it.
  deps.keychainUsable.catch(() => undefined);
  const tpm = deps.tpm ? startTpmEnrollment(deps.tpm) : null;
  try {
    return await enrollWith(deps, tpm);
  } finally {
    await tpm?.close();
  }
}

async function enrollWith(deps: EnrollDeps, tpm: ReturnType<typeof startTpmEnrollment> | null): Promise<EnrolledDevice> {
  const keyPending = tpm ? tpm.key.then((key) => deps.vault.adoptTpmKey(key)) : deps.vault.createKey();
  keyPending.catch(() => undefined);
  deps.warm?.().catch(() => undefined);
  // An unusable keychain is the answer to give, even when the challenge failed too.
  const challengeJson = await postJson(deps, '/v1/enroll/challenge', { code: deps.invite.code })
    .then((response) => response.json())
    .catch(async (error: unknown) => {
      await deps.keychainUsable;
      throw error;
    });
  await deps.keychainUsable;
  const challenge = enrollChallengeResponse.safeParse(challengeJson);
  if (!challenge.success) throw malformed('challenge');

  deps.onStep('attest');
  const key = await keyPending;
  let proof: TpmEnrollProof | undefined;
  if (tpm) {
    proof = await tpm.prove({
      code: deps.invite.code,
      nonce: challenge.data.nonce,
      activate: async (request) => {
        const answer = tpmActivationResponse.safeParse(await (await postJson(deps, '/v1/enroll/tpm/activation', request)).json());
        if (!answer.success) throw malformed('TPM activation');
        return answer.data;
      },
    });
  }
  const evidence: Evidence = { ...(await deps.collect(challenge.data.salt)), keyStorage: tpm ? 'tpm' : 'keychain' };
  const attestation = await createEnrollAttestation(key.signer, {
    code: deps.invite.code,
    nonce: challenge.data.nonce,
    iat: Math.floor(deps.dpop.serverNow() / 1000),
    evidence,
  });

  deps.onStep('enroll');
  const enrolled = enrollResponse.safeParse(await (await postJson(deps, '/v1/enroll', { attestation, ...(proof ? { tpm: proof } : {}) })).json());
  if (!enrolled.success) throw malformed('enrollment');
  const caPems = deps.acceptedCas();
  if (caPems.length === 0) throw notTrusted('no gateway CA was accepted');
  const record: EnrollmentRecord = {
    gateway: deps.invite.gateway,
    pins: deps.invite.pins,
    caPems: [...caPems],
    deviceId: enrolled.data.deviceId,
    tester: enrolled.data.tester,
    salt: challenge.data.salt,
    enrolledAt: new Date(deps.now()).toISOString(),
    policy: enrolled.data.policy,
  };
  return { identity: { record, signer: key.signer, keyStorage: tpm ? 'tpm' : 'keychain' }, saved: key.save(record).then(() => undefined) };
}
