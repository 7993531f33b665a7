import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The console's one-time login links and the sessions they open. A link is minted over the admin
 * socket (`airlock-gateway console`), so it carries the admin socket's trust: whoever can run the
 * CLI on the host. It is valid `linkTtlMs` (60 s) and redeemable once. A session ends after
 * `idleMs` without a request from the admin, and after `maxAgeMs` in any case. Secrets are kept
 * only as SHA-256 hashes, so a heap dump does not hand out a live session.
 */
export interface ConsoleSession {
  /** The OS user who ran `airlock-gateway console`: the actor of every action in this session. */
  osUser: string;
  csrf: string;
}

export interface ConsoleSessions {
  /** A fresh one-time login secret for `osUser`. */
  issueLink(osUser: string): { secret: string; expiresAt: string };
  /** Exchanges a login secret for a session, once; null when unknown, used or expired. */
  redeem(secret: string): { sessionId: string; session: ConsoleSession } | null;
  /** The live session of a cookie value; `touch` counts it as activity (an SSE tick does not). */
  get(sessionId: string, options?: { touch: boolean }): ConsoleSession | null;
  /** Whether `token` is the session's CSRF token (constant time). */
  csrfMatches(session: ConsoleSession, token: string): boolean;
  end(sessionId: string): void;
}

export interface SessionLimits {
  linkTtlMs: number;
  idleMs: number;
  maxAgeMs: number;
  /** Bounds on what is held in memory: the oldest link or session goes first. */
  maxLinks: number;
  maxSessions: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { linkTtlMs: 60_000, idleMs: 15 * 60_000, maxAgeMs: 12 * 3600_000, maxLinks: 32, maxSessions: 32 };

const hashOf = (secret: string) => createHash('sha256').update(secret).digest('base64url');
const newSecret = () => randomBytes(32).toString('base64url');

interface HeldSession extends ConsoleSession {
  createdMs: number;
  lastUsedMs: number;
}

export function createConsoleSessions(nowMs: () => number, limits: SessionLimits = DEFAULT_SESSION_LIMITS): ConsoleSessions {
  const links = new Map<string, { osUser: string; expiresMs: number }>();
  const sessions = new Map<string, HeldSession>();

  // Maps keep insertion order: the first key is the oldest.
  function dropOldest(map: Map<string, unknown>, max: number): void {
    while (map.size >= max) map.delete(map.keys().next().value!);
  }

  function live(key: string, now: number): HeldSession | null {
    const session = sessions.get(key);
    if (!session) return null;
    if (now - session.lastUsedMs > limits.idleMs || now - session.createdMs >= limits.maxAgeMs) {
      sessions.delete(key);
      return null;
    }
    return session;
  }

  return {
    issueLink(osUser) {
      const now = nowMs();
      for (const [key, link] of links) if (link.expiresMs <= now) links.delete(key);
      dropOldest(links, limits.maxLinks);
      const secret = newSecret();
      const expiresMs = now + limits.linkTtlMs;
      links.set(hashOf(secret), { osUser, expiresMs });
      return { secret, expiresAt: new Date(expiresMs).toISOString() };
    },
    redeem(secret) {
      const key = hashOf(secret);
      const link = links.get(key);
      // Single use: gone whether or not it was still valid.
      links.delete(key);
      const now = nowMs();
      if (!link || link.expiresMs <= now) return null;
      dropOldest(sessions, limits.maxSessions);
      const sessionId = newSecret();
      const session: HeldSession = { osUser: link.osUser, csrf: newSecret(), createdMs: now, lastUsedMs: now };
      sessions.set(hashOf(sessionId), session);
      return { sessionId, session: { osUser: session.osUser, csrf: session.csrf } };
    },
    get(sessionId, options = { touch: true }) {
      const now = nowMs();
      const session = live(hashOf(sessionId), now);
      if (!session) return null;
      if (options.touch) session.lastUsedMs = now;
      return session;
    },
    csrfMatches(session, token) {
      const a = Buffer.from(session.csrf);
      const b = Buffer.from(token);
      return a.length === b.length && timingSafeEqual(a, b);
    },
    end(sessionId) {
      sessions.delete(hashOf(sessionId));
    },
  };
}
