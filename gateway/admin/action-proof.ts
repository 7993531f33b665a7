/**
 * Proof that the gateway acted on a state-changing admin command: the audit entry that records it
 * (its sequence number and hash), looked up in the store after the command ran. The CLI reads
 * that entry back from the store itself and checks it names the command; an answer from anything
 * else on the socket (a listener another user put there) has no such entry to point at.
 */
import type { AdminProof, AdminRequest } from '../../protocol/schemas/admin.js';
import type { AuditEntry, Store } from '../store/store.js';

/** How far back the gateway looks for the command's entry (other entries may land in between). */
const SEARCH_DEPTH = 500;

/** The audit entry a state-changing command leaves, or null for a command that changes nothing. */
export function expectedAuditOf(request: AdminRequest, result: unknown): { type: string; subject: string } | null {
  switch (request.op) {
    case 'invite.create':
      return { type: 'admin.invite.create', subject: request.email };
    case 'invite.revoke':
      return { type: 'admin.invite.revoke', subject: request.id };
    case 'device.revoke':
      return { type: 'admin.device.revoke', subject: request.id };
    case 'tester.suspend':
      return { type: 'admin.tester.suspend', subject: request.email };
    case 'policy.reload':
      return { type: 'admin.policy.reload', subject: 'policy' };
    case 'release.add': {
      const buildId = typeof result === 'object' && result !== null ? (result as { buildId?: unknown }).buildId : undefined;
      return typeof buildId === 'string' ? { type: 'admin.release.add', subject: buildId } : null;
    }
    default:
      return null;
  }
}

const matches = (entry: AuditEntry, expected: { type: string; subject: string }): boolean => entry.type === expected.type && entry.subject === expected.subject;

/** Gateway side: the newest entry recording the command, re-read from the store. */
export async function proofOf(store: Pick<Store, 'auditTail'>, request: AdminRequest, result: unknown): Promise<AdminProof | undefined> {
  const expected = expectedAuditOf(request, result);
  if (!expected) return undefined;
  const tail = await store.auditTail(SEARCH_DEPTH);
  for (let i = tail.length - 1; i >= 0; i--) if (matches(tail[i]!, expected)) return { seq: tail[i]!.seq, hash: tail[i]!.hash };
  return undefined;
}

/** CLI side: why the answer's proof does not hold (null when it does). */
export async function proofProblem(store: Pick<Store, 'auditEntry'>, request: AdminRequest, result: unknown, proof: AdminProof | undefined): Promise<string | null> {
  const expected = expectedAuditOf(request, result);
  if (!expected) return null;
  if (!proof) return 'the answer carries no audit record of the action';
  const entry = await store.auditEntry(proof.seq);
  if (!entry || entry.hash !== proof.hash) return `audit entry ${proof.seq} it names is not in the store`;
  if (!matches(entry, expected)) return `audit entry ${proof.seq} records "${entry.type} ${entry.subject}", not this command`;
  return null;
}
