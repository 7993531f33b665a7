import { parseInviteLink } from '../../protocol/invite/link.js';
import { formatInviteLink } from '../../protocol/invite/link.js';

/**
 * Invite links that reach the app from outside (the OS's `open-url`, a second instance's argv,
 * the start script). Each is parsed before anyone sees it; only the latest one is kept until the
 * UI takes it, so a link that arrives before the window is ready is not lost.
 */
export interface PendingInvites {
  /** Returns false (and keeps nothing) when `candidate` is not a valid invite link. */
  offer(candidate: string): boolean;
  take(): string | null;
  onLink(listener: (link: string) => void): () => void;
}

export function createPendingInvites(): PendingInvites {
  let pending: string | null = null;
  const listeners = new Set<(link: string) => void>();
  return {
    offer(candidate) {
      let normalized: string;
      try {
        // Re-formatted from the parsed fields so that nothing but gw, code and pins passes on.
        normalized = formatInviteLink(parseInviteLink(candidate));
      } catch {
        return false;
      }
      pending = normalized;
      for (const listener of listeners) listener(normalized);
      return true;
    },
    take() {
      const link = pending;
      pending = null;
      return link;
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
