import type { FastifyPluginAsync } from 'fastify';
import { tpmActivationRequest, tpmActivationResponse, type TpmActivationRequest, type TpmActivationResponse } from '../../protocol/schemas/tpm.js';
import type { GatewayContext } from '../context.js';
import { usableInvite } from '../enroll/usable-invite.js';
import { responses } from '../http/schemas.js';
import { unauthenticatedRateLimit } from '../routes/rate-limit.js';
import type { TpmAttestation } from './tpm-attestation.js';

/**
 * `POST /v1/enroll/tpm/activation` (PROTOCOL.md, "TPM-bound device keys"): the invite is checked
 * as for a challenge, then a credential is made to the trusted EK for the AK.
 */
export const tpmActivationRoute: FastifyPluginAsync<{ ctx: GatewayContext; tpm: TpmAttestation }> = async (app, { ctx, tpm }) => {
  const { store, clock, policy } = ctx;
  app.post<{ Body: TpmActivationRequest; Reply: TpmActivationResponse }>(
    '/v1/enroll/tpm/activation',
    { schema: { body: tpmActivationRequest, response: responses({ 200: tpmActivationResponse }) }, config: unauthenticatedRateLimit(ctx) },
    async (request) => {
      const invite = await usableInvite(store, request.body.code, clock.nowMs(), request);
      const { nonce, ekCert, akPublic } = request.body;
      return tpm.activate({ inviteId: invite.id, nonce, ekCert, akPublic, ekCAs: policy.current().tpmEkCAs }, { seconds: clock.nowSeconds(), date: new Date(clock.nowMs()) });
    },
  );
};
