import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import { verifyEnrollAttestation } from '../../protocol/attestation/attestation.js';
import { jwkThumbprint } from '../../protocol/dpop/thumbprint.js';
import { decodeCompactUnverified, PublicKeyCache } from '../../protocol/jws/compact.js';
import {
  enrollChallengeRequest,
  enrollChallengeResponse,
  enrollRequest,
  enrollResponse,
  type EnrollChallengeRequest,
  type EnrollChallengeResponse,
  type EnrollRequest,
  type EnrollResponse,
} from '../../protocol/schemas/enroll.js';
import { toClientPolicy } from '../../protocol/schemas/policy.js';
import type { GatewayContext } from '../context.js';
import { hashInviteCode, newDeviceId, newNonce } from '../enroll/ids.js';
import { usableInvite } from '../enroll/usable-invite.js';
import { responses } from '../http/schemas.js';
import { enforcePolicy } from '../policy/enforce.js';
import { trustedBuildIndexFor } from '../release/trusted-build-index.js';
import { refuseUnlessKeyStorageMeetsPolicy, withVerifiedKeyStorage } from '../tpm-attestation/key-storage-policy.js';
import { enrollmentKeyStorage, tpmKeysStanceOf } from '../tpm-attestation/route-hooks.js';
import { TPM_KEYS_HEADER } from '../../protocol/schemas/tpm.js';
import { unauthenticatedRateLimit } from './rate-limit.js';

/** The nonce an attestation names, read without trusting it (only to spend it), or null when unreadable. */
function claimedNonceOf(attestation: string): string | null {
  try {
    const nonce = (decodeCompactUnverified(attestation).payload as { nonce?: unknown } | null)?.nonce;
    return typeof nonce === 'string' && nonce.length <= 200 ? nonce : null;
  } catch {
    return null;
  }
}

/** PROTOCOL.md "Enrollment": challenge for an invite, then an attestation with the new device key. */
export const enrollRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { store, clock, config, security, policy } = ctx;
  const claimedInviteOf = async (attestation: string) => {
    try {
      const code = (decodeCompactUnverified(attestation).payload as { code?: unknown } | null)?.code;
      return typeof code === 'string' && code.length <= 200 ? await store.findInviteByCodeHash(hashInviteCode(code)) : null;
    } catch {
      return null;
    }
  };
  const keyCache = new PublicKeyCache();
  const trustedBuilds = trustedBuildIndexFor(store, policy);
  // Built at start: a store that cannot list its releases fails the start, not a tester's enrollment.
  await trustedBuilds.rebuild();

  app.post<{ Body: EnrollChallengeRequest; Reply: EnrollChallengeResponse }>(
    '/v1/enroll/challenge',
    { schema: { body: enrollChallengeRequest, response: responses({ 200: enrollChallengeResponse }) }, config: unauthenticatedRateLimit(ctx) },
    async (request, reply) => {
      const invite = await usableInvite(store, request.body.code, clock.nowMs(), request);
      const nonce = newNonce();
      await store.createChallenge({ nonce, inviteId: invite.id, expiresAt: clock.nowSeconds() + config.challengeLifetime });
      void reply.header(TPM_KEYS_HEADER, tpmKeysStanceOf(ctx.tpm, policy.current().tpmEkCAs));
      return { nonce, expiresIn: config.challengeLifetime, salt: security.machineIdSalt };
    },
  );

  app.post<{ Body: EnrollRequest; Reply: EnrollResponse }>(
    '/v1/enroll',
    { schema: { body: enrollRequest, response: responses({ 201: enrollResponse }) }, config: unauthenticatedRateLimit(ctx) },
    async (request, reply) => {
      const inForce = policy.current();
      // A refusal names the invite the attestation claims (read unverified: only to say which).
      const claimedInvite = await claimedInviteOf(request.body.attestation);
      if (claimedInvite) request.refusalContext = { invite: claimedInvite.id, email: claimedInvite.email };
      let verified: Awaited<ReturnType<typeof verifyEnrollAttestation>>;
      let keyStorage: Awaited<ReturnType<typeof enrollmentKeyStorage>>;
      try {
        verified = await verifyEnrollAttestation(request.body.attestation, { now: clock.nowSeconds(), iatWindow: config.iatWindow, keyCache });
        // Key storage is what was proven (gateway/tpm-attestation/), never the evidence's claim.
        const { jwk: key, payload: claimed } = verified;
        keyStorage = await enrollmentKeyStorage(ctx.tpm, { proof: request.body.tpm, claimed: claimed.evidence.keyStorage, jwk: key, nonce: claimed.nonce, inviteId: claimedInvite?.id ?? null, nowSeconds: clock.nowSeconds() });
        refuseUnlessKeyStorageMeetsPolicy(keyStorage.keyStorage, inForce, 'enrollment');
        await enforcePolicy(withVerifiedKeyStorage(claimed.evidence, keyStorage.keyStorage), inForce, trustedBuilds);
      } catch (error) {
        // Refused before the store was reached: the nonce it named is spent all the same, so a
        // second attempt (a fixed signature, other evidence) needs a new challenge.
        const nonce = claimedNonceOf(request.body.attestation);
        if (nonce !== null) await store.discardChallenge(nonce);
        throw error;
      }
      const { jwk, payload } = verified;
      const jkt = await jwkThumbprint(jwk);
      const { evidence } = payload;
      const outcome = await store.enrollDevice(
        { challengeNonce: payload.nonce, codeHash: hashInviteCode(payload.code), device: { id: newDeviceId(), publicJwk: jwk, jkt, evidence, keyStorage: keyStorage.keyStorage }, now: clock.nowSeconds() },
        (device) => ({
          type: 'enrollment',
          actor: `device:${device.id}`,
          subject: device.tester,
          details: { client: request.ip, invite: device.inviteId, jkt, platform: evidence.platform, osRelease: evidence.osRelease, arch: evidence.arch, appVersion: evidence.appVersion, buildId: evidence.buildId, packaged: evidence.packaged, diskEncryption: evidence.diskEncryption, debugger: evidence.debugger, keyStorage: keyStorage.keyStorage, ...(keyStorage.facts ? { tpm: keyStorage.facts } : {}) },
        }),
      );
      if (!outcome.ok) throw new AirlockError(outcome.code, outcome.message);
      const device = outcome.device;
      security.devices.remember({ deviceId: device.id, tester: device.tester, jkt: device.jkt, status: device.status }, 'active');
      // A fresh nonce with the answer (PROTOCOL.md: any response may carry one): the first
      // session then needs no use_dpop_nonce round trip.
      reply.code(201).header('dpop-nonce', security.nonces.current());
      return { deviceId: device.id, tester: device.tester, policy: toClientPolicy(inForce) };
    },
  );
};
