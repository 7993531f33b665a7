import { formatInviteLink, parseInviteLink } from '../../protocol/invite/link.js';
import type { ClientState } from '../core/api.js';

/**
 * Invite links that reach the app from outside (the OS's `open-url`, a second instance's argv, the
 * start script), and which one the enroll screen may show. Main decides, not the renderer:
 *  - a link that arrives while another is on screen is queued behind it, never swapped in: the
 *    gateway a tester is reading cannot change under their eyes (nor under one key press);
 *  - a revocation drops every link received before it (they belong to the ended enrollment) and
 *    shows nothing until the tester has seen the revoked screen and asked for a new invite.
 */
export interface PendingInvites {
  /** Queues a valid link (normalised); returns false, keeping nothing, for anything else. */
  offer(candidate: string): boolean;
  /** The link the enroll screen should show now, or null (none, or a revocation not yet seen). */
  current(): string | null;
  /** The tester is done with `link` (enrolled, cancelled, refused): the next one, if any, becomes current. */
  finish(link: string): string | null;
  /** The tester has read the revoked screen and asks to enroll again. */
  acknowledgeRevocation(): string | null;
  /** Follows the client: a revocation drops stale links and holds presentation. Returns the unsubscribe. */
  follow(client: { state(): ClientState; onState(listener: (state: ClientState) => void): () => void }): () => void;
  /** Called when a link becomes current (never while another is current). */
  onLink(listener: (link: string) => void): () => void;
}

/** At most this many links wait; more are refused (a flood of links is not an invite). */
const MAX_QUEUED = 8;

export function createPendingInvites(): PendingInvites {
  const queue: string[] = [];
  let revocationUnseen = false;
  const listeners = new Set<(link: string) => void>();

  const current = (): string | null => (revocationUnseen ? null : (queue[0] ?? null));
  const announce = (): string | null => {
    const link = current();
    if (link !== null) for (const listener of [...listeners]) listener(link);
    return link;
  };

  return {
    offer(candidate) {
      let normalized: string;
      try {
        // Re-formatted from the parsed fields so that nothing but gw, code and pins passes on.
        normalized = formatInviteLink(parseInviteLink(candidate));
      } catch {
        return false;
      }
      if (queue.includes(normalized)) return true;
      if (queue.length >= MAX_QUEUED) return false;
      const wasShowing = current();
      queue.push(normalized);
      if (wasShowing === null) announce();
      return true;
    },
    current,
    finish(link) {
      const showing = current();
      const at = queue.indexOf(link);
      if (at >= 0) queue.splice(at, 1);
      // Only the end of the link on screen brings the next one forward.
      return showing === link ? announce() : current();
    },
    acknowledgeRevocation() {
      if (!revocationUnseen) return current();
      revocationUnseen = false;
      return announce();
    },
    follow(client) {
      let last = client.state().kind;
      return client.onState((state) => {
        if (state.kind === 'revoked' && last !== 'revoked') {
          queue.length = 0;
          revocationUnseen = true;
        }
        last = state.kind;
      });
    },
    onLink(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The first `airlock://` argument of a command line (a second instance's argv), if any. */
export function findInviteArgument(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith('airlock://')) ?? null;
}
