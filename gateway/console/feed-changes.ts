/**
 * Which admin operations change what console pages show, and how pages hear of it: a revocation
 * as the device's new state (a page patches it in place), anything else as a plain `change` (pages
 * reload). Reads are not news. Pure: the request and the operation's answer in, the change out.
 */
import type { AdminRequest } from '../../protocol/schemas/admin.js';
import type { FeedChange } from './live-feed.js';

const READS = new Set<AdminRequest['op']>(['invite.list', 'device.list', 'device.show', 'tester.list', 'lock.list', 'status', 'usage', 'audit.tail', 'policy.show', 'console.link']);

export function changeOf(request: AdminRequest, result: unknown): FeedChange | null {
  if (READS.has(request.op)) return null;
  if (request.op === 'device.revoke' && typeof result === 'object' && result !== null) {
    const { id, status } = result as { id?: unknown; status?: unknown };
    if (typeof id === 'string' && (status === 'active' || status === 'revoked' || status === 'retired')) return { kind: 'device', id, status };
  }
  return { kind: 'change', what: request.op };
}
