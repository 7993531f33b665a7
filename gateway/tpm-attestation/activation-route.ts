import type { FastifyPluginAsync } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import { tpmActivationRequest, tpmActivationResponse, type TpmActivationRequest, type TpmActivationResponse } from '../../protocol/schemas/tpm.js';
import type { GatewayContext } from '../context.js';
import { hashInviteCode } from '../enroll/ids.js';
import { inviteRefusal } from '../enroll/invite-rules.js';
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
      const invite = await store.findInviteByCodeHash(hashInviteCode(request.body.code));
      if (invite) request.refusalContext = { invite: invite.id, email: invite.email };
      const refusal = inviteRefusal(invite, clock.nowMs());
      if (refusal) throw new AirlockError(refusal.code, refusal.message);
      if ((await store.getTester(invite!.email))?.status === 'suspended') throw new AirlockError('tester_suspended');
      const { nonce, ekCert, akPublic } = request.body;
      return tpm.activate({ inviteId: invite!.id, nonce, ekCert, akPublic, ekCAs: policy.current().tpmEkCAs }, { seconds: clock.nowSeconds(), date: new Date(clock.nowMs()) });
    },
  );
};
