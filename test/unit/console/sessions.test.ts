import { describe, expect, it } from 'vitest';
import { createConsoleSessions, DEFAULT_SESSION_LIMITS } from '../../../gateway/console/sessions.js';

describe('console login links and sessions', () => {
  const setup = (limits = DEFAULT_SESSION_LIMITS) => {
    let now = 1_000_000;
    const sessions = createConsoleSessions(() => now, limits);
    return { sessions, advance: (ms: number) => (now += ms) };
  };

  it('redeems a link once, for the OS user it was made for', () => {
    const { sessions } = setup();
    const { secret } = sessions.issueLink('alice');
    const opened = sessions.redeem(secret);
    expect(opened?.session.osUser).toBe('alice');
    expect(sessions.redeem(secret)).toBeNull();
    expect(sessions.get(opened!.sessionId)?.osUser).toBe('alice');
  });

  it('refuses a link at 60 s, and an unknown one', () => {
    const { sessions, advance } = setup();
    const a = sessions.issueLink('alice');
    const b = sessions.issueLink('alice');
    advance(59_999);
    expect(sessions.redeem(a.secret)).not.toBeNull();
    advance(1);
    expect(sessions.redeem(b.secret)).toBeNull();
    expect(sessions.redeem('x'.repeat(43))).toBeNull();
  });

  it('ends a session after the idle time; the live feed does not count as activity', () => {
    const { sessions, advance } = setup();
    const { sessionId } = sessions.redeem(sessions.issueLink('alice').secret)!;
    advance(DEFAULT_SESSION_LIMITS.idleMs - 1);
    expect(sessions.get(sessionId, { touch: false })).not.toBeNull();
    advance(2);
    expect(sessions.get(sessionId)).toBeNull();
  });

  it('ends a busy session at its maximum age', () => {
    const { sessions, advance } = setup();
    const { sessionId } = sessions.redeem(sessions.issueLink('alice').secret)!;
    for (let t = 0; t < DEFAULT_SESSION_LIMITS.maxAgeMs; t += 10 * 60_000) {
      expect(sessions.get(sessionId)).not.toBeNull();
      advance(10 * 60_000);
    }
    expect(sessions.get(sessionId)).toBeNull();
  });

  it('compares CSRF tokens exactly, and ends a session on logout', () => {
    const { sessions } = setup();
    const { sessionId, session } = sessions.redeem(sessions.issueLink('alice').secret)!;
    expect(sessions.csrfMatches(session, session.csrf)).toBe(true);
    expect(sessions.csrfMatches(session, session.csrf.slice(1))).toBe(false);
    expect(sessions.csrfMatches(session, '')).toBe(false);
    sessions.end(sessionId);
    expect(sessions.get(sessionId)).toBeNull();
  });

  it('holds a bounded number of links and sessions, dropping the oldest', () => {
    const { sessions } = setup({ ...DEFAULT_SESSION_LIMITS, maxLinks: 2, maxSessions: 2 });
    const links = [sessions.issueLink('a'), sessions.issueLink('b'), sessions.issueLink('c')];
    expect(sessions.redeem(links[0]!.secret)).toBeNull();
    const opened = [sessions.redeem(links[1]!.secret)!, sessions.redeem(links[2]!.secret)!, sessions.redeem(sessions.issueLink('d').secret)!];
    expect(sessions.get(opened[0]!.sessionId)).toBeNull();
    expect(sessions.get(opened[2]!.sessionId)?.osUser).toBe('d');
  });
});
