import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import { sessionAttestationDeviceId, verifySessionAttestation } from '../../protocol/attestation/attestation.js';
import { verifyDpopProof } from '../../protocol/dpop/verify-proof.js';
import { PublicKeyCache } from '../../protocol/jws/compact.js';
import { sessionRequest, sessionResponse, type SessionRequest, type SessionResponse } from '../../protocol/schemas/session.js';
import { signAccessToken } from '../../protocol/token/access-token.js';
import { dpopHeaderOf, requestHtu } from '../auth/dpop-auth.js';
import type { GatewayContext } from '../context.js';
import { newNonce } from '../enroll/ids.js';
import { responses } from '../http/schemas.js';
import { refuseIfLocked } from '../locks/refuse.js';
import { enforcePolicy } from '../policy/enforce.js';
import { trustedBuildIndexFor } from '../release/trusted-build-index.js';
import { refuseUnlessKeyStorageMeetsPolicy, withVerifiedKeyStorage } from '../tpm-attestation/key-storage-policy.js';
import { sessionBoundJkt } from '../tpm-attestation/route-hooks.js';
import { unauthenticatedRateLimit } from './rate-limit.js';

/**
 * `POST /v1/session` (PROTOCOL.md "Sessions"): a DPoP proof with a current nonce, and an
 * attestation over that same nonce signed by the device's registered key; the device and tester
 * in good standing, the machine-id hash unchanged since enrollment, the evidence within policy.
 * Answers a DPoP-bound access token.
 */
export const sessionRoutes: FastifyPluginAsync<{ ctx: GatewayContext }> = async (app, { ctx }) => {
  const { store, clock, config, security, policy } = ctx;
  const keyCache = new PublicKeyCache();
  const trustedBuilds = trustedBuildIndexFor(store, policy);
  const checkNonce = (nonce: string) => security.nonces.check(nonce);

  app.post<{ Body: SessionRequest; Reply: SessionResponse }>(
    '/v1/session',
    { schema: { body: sessionRequest, response: responses({ 200: sessionResponse }) }, config: unauthenticatedRateLimit(ctx) },
    async (request, reply) => {
      const now = clock.nowSeconds();
      const proof = await verifyDpopProof(dpopHeaderOf(request), { method: request.method, url: requestHtu(ctx, request), now, iatWindow: config.iatWindow, checkNonce, keyCache });
      if (!(await security.replay.claim(proof.jti, proof.iat + config.iatWindow + 1))) throw new AirlockError('dpop_replay');

      const deviceId = sessionAttestationDeviceId(request.body.attestation);
      const device = await store.getDevice(deviceId);
      if (device === null) throw new AirlockError('device_unknown');
      // A refusal from here on names the device in its audit entry (issue 13), not only the address.
      request.tokenDevice = device.id;
      // A TPM device's proofs are signed by its session key, checked once its attestation is (below).
      if (device.keyStorage !== 'tpm' && proof.jkt !== device.jkt) throw new AirlockError('dpop_invalid', 'Invalid DPoP proof: it is not signed by this device\'s registered key.');
      const attestation = await verifySessionAttestation(request.body.attestation, device.publicJwk, { now, iatWindow: config.iatWindow, keyCache });
      const boundJkt = sessionBoundJkt(device, attestation, proof.jkt);
      if (attestation.nonce !== proof.payload.nonce) {
        throw new AirlockError('attestation_invalid', 'The device attestation was refused: its nonce is not the current DPoP nonce of this request. Retry with a fresh nonce.');
      }

      const state = await security.devices.get(device.id);
      if ((await security.devices.testerStatus(device.tester)) !== 'active') throw new AirlockError('tester_suspended');
      if (device.status !== 'active' || (state !== null && state.status !== 'active')) throw new AirlockError('device_revoked');
      refuseIfLocked(security.locks, { deviceId: device.id, tester: device.tester }, clock.nowMs());
      if (attestation.evidence.machineIdHash !== device.evidence.machineIdHash) throw new AirlockError('key_moved');
      const inForce = policy.current();
      refuseUnlessKeyStorageMeetsPolicy(device.keyStorage, inForce, 'session');
      await enforcePolicy(withVerifiedKeyStorage(attestation.evidence, device.keyStorage), inForce, trustedBuilds);

      const expiresIn = inForce.tokenLifetimeSeconds;
      const accessToken = await signAccessToken(
        security.tokenSigner,
        { iss: config.origin, aud: config.origin, sub: device.id, tester: device.tester, iat: now, exp: now + expiresIn, jti: newNonce(16), cnf: { jkt: boundJkt } },
        security.tokenKid,
      );
      const { evidence } = attestation;
      await ctx.audit.append({
        type: 'session',
        actor: `device:${device.id}`,
        subject: device.tester,
        details: { client: request.ip, expiresIn, platform: evidence.platform, osRelease: evidence.osRelease, appVersion: evidence.appVersion, buildId: evidence.buildId, packaged: evidence.packaged, diskEncryption: evidence.diskEncryption, debugger: evidence.debugger, keyStorage: device.keyStorage },
      });
      const nowMs = clock.nowMs();
      if (security.devices.shouldTouch(device.id, nowMs)) await store.touchDevice(device.id, new Date(nowMs).toISOString());
      reply.header('dpop-nonce', security.nonces.current());
      return { accessToken, tokenType: 'DPoP' as const, expiresIn };
    },
  );
};
