import type { FastifyRequest } from 'fastify';
import { AirlockError } from '../../protocol/errors.js';
import type { InviteRecord, Store } from '../store/store.js';
import { hashInviteCode } from './ids.js';
import { inviteRefusal } from './invite-rules.js';

/**
 * The invite an enrollment step names by its code, when it can still enroll and its tester is not
 * suspended; otherwise the refusal (PROTOCOL.md's invite codes). A refusal's audit entry names the
 * invite and email when the code is known. The challenge and the TPM activation both start here.
 */
export async function usableInvite(store: Store, code: string, nowMs: number, request: FastifyRequest): Promise<InviteRecord> {
  const invite = await store.findInviteByCodeHash(hashInviteCode(code));
  if (invite) request.refusalContext = { invite: invite.id, email: invite.email };
  const refusal = inviteRefusal(invite, nowMs);
  if (refusal || invite === null) throw new AirlockError(refusal?.code ?? 'invite_invalid', refusal?.message);
  if ((await store.getTester(invite.email))?.status === 'suspended') throw new AirlockError('tester_suspended');
  return invite;
}
