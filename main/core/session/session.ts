import { b64uEncode } from '../../../protocol/encoding.js';
import { createSessionAttestation } from '../../../protocol/attestation/attestation.js';
import { AirlockError, isAirlockError, type LockNotice } from '../../../protocol/errors.js';
import type { Es256Signer } from '../../../protocol/jws/signer.js';
import type { Evidence } from '../../../protocol/schemas/evidence.js';
import { sessionResponse } from '../../../protocol/schemas/session.js';
import { isRevokingCode, type RevokingCode } from '../errors.js';
import type { Clock, Logger, RandomBytes } from '../ports.js';
import type { GatewayResponse } from '../transport/gateway-http.js';
import type { DpopClient, DpopRequest } from './dpop-client.js';
import type { SessionKey } from './session-key.js';

export interface SessionDeps {
  dpop: DpopClient;
  deviceId: string;
  signer: Es256Signer;
  salt: string;
  collect: (salt: string) => Promise<Evidence>;
  clock: Clock;
  random: RandomBytes;
  logger: Logger;
  /** The gateway ended this device (revoked, suspended, key moved). */
  onRevoked: (code: RevokingCode, message: string) => void;
  /** An admin locked this device for now (issue 13): the key stays; the app waits for the lock to end. */
  onLocked?: (lock: LockNotice) => void;
  /** A new session started (for the UI's "session until"). */
  onRenewed?: (expiresAtMs: number) => void;
  /**
   * TPM devices: a fresh in-memory key per session (session-key.ts). The TPM key signs the session
   * attestation with its thumbprint (`sessionJkt`); the session request's proof and every proof
   * under the token are signed by it. Absent for keychain devices, whose key signs everything.
   */
  sessionKey?: () => Promise<SessionKey>;
}

export interface Session {
  /** Starts a session now if there is none, or it is about to expire. */
  ensure(): Promise<void>;
  /**
   * An authenticated call (`Authorization: DPoP` + proof). Renews before expiry; on
   * `token_expired` renews once and retries. Gateway answers that end the device call onRevoked.
   */
  call(request: Omit<DpopRequest, 'accessToken' | 'signer'>): Promise<GatewayResponse>;
  expiresAt(): number | null;
  evidence(): Evidence | null;
  stop(): void;
}

/** Renew this long before expiry: a fifth of the lifetime, between 2 s and 60 s. */
export function renewalMargin(lifetimeSeconds: number): number {
  return Math.min(60, Math.max(2, lifetimeSeconds * 0.2)) * 1000;
}

export function createSession(deps: SessionDeps): Session {
  // A TPM device's session key lives here, beside the token bound to it, and nowhere else.
  let token: { value: string; expiresAt: number; margin: number; key: SessionKey | null } | null = null;
  let lastEvidence: Evidence | null = null;
  let inflight: Promise<void> | null = null;
  let timer: { cancel(): void } | null = null;
  let stopped = false;

  function check(error: unknown): never {
    if (isAirlockError(error) && isRevokingCode(error.code)) deps.onRevoked(error.code, error.message);
    if (isAirlockError(error, 'device_locked')) deps.onLocked?.(error.lock ?? { message: null, until: null });
    throw error;
  }

  async function acquire(): Promise<void> {
    const evidence = await deps.collect(deps.salt);
    const key = deps.sessionKey ? await deps.sessionKey() : null;
    const response = await deps.dpop
      .send({
        method: 'POST',
        path: '/v1/session',
        ...(key !== null ? { signer: key.signer } : {}),
        // The attestation signs the same nonce as the proof; with none known yet, the first try
        // carries a placeholder and the gateway answers use_dpop_nonce with a real one.
        body: async (nonce) =>
          JSON.stringify({
            attestation: await createSessionAttestation(deps.signer, deps.deviceId, {
              nonce: nonce ?? b64uEncode(deps.random(16)),
              iat: Math.floor(deps.dpop.serverNow() / 1000),
              evidence,
              ...(key !== null ? { sessionJkt: key.jkt } : {}),
            }),
          }),
      })
      .catch(check);
    const parsed = sessionResponse.safeParse(await response.json());
    if (!parsed.success) throw new AirlockError('bad_request', 'The gateway sent a malformed session answer. Update the app or tell your admin.');
    const now = deps.clock.now();
    const margin = renewalMargin(parsed.data.expiresIn);
    token = { value: parsed.data.accessToken, expiresAt: now + parsed.data.expiresIn * 1000, margin, key };
    lastEvidence = evidence;
    deps.logger.info('session: started', { expiresIn: parsed.data.expiresIn });
    deps.onRenewed?.(token.expiresAt);
    schedule();
  }

  function schedule(): void {
    timer?.cancel();
    if (stopped || token === null) return;
    const due = Math.max(0, token.expiresAt - token.margin - deps.clock.now());
    timer = deps.clock.setTimeout(() => {
      renew().catch((error: unknown) => deps.logger.warn('session: background renewal failed; will retry on the next call', { error }));
    }, due);
  }

  function renew(): Promise<void> {
    if (stopped) return Promise.reject(new AirlockError('token_invalid', 'The session has ended.'));
    inflight ??= acquire().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  /** The token and, for a TPM device, the session key its proofs must be signed with. */
  function current(): Pick<DpopRequest, 'accessToken' | 'signer'> {
    if (token === null) throw new AirlockError('token_invalid', 'The session has ended.');
    return { accessToken: token.value, ...(token.key !== null ? { signer: token.key.signer } : {}) };
  }

  function fresh(): boolean {
    return token !== null && deps.clock.now() < token.expiresAt - token.margin;
  }

  return {
    async ensure() {
      if (!fresh()) await renew();
    },

    async call(request) {
      if (!fresh()) await renew();
      try {
        return await deps.dpop.send({ ...request, ...current() });
      } catch (error) {
        if (!isAirlockError(error, 'token_expired') && !isAirlockError(error, 'token_invalid')) check(error);
        deps.logger.info('session: token refused by the gateway; renewing once', { code: (error as AirlockError).code });
        token = null;
        await renew();
        return await deps.dpop.send({ ...request, ...current() }).catch(check);
      }
    },

    expiresAt: () => token?.expiresAt ?? null,
    evidence: () => lastEvidence,
    stop() {
      stopped = true;
      timer?.cancel();
      token = null;
    },
  };
}
