import { userInfo } from 'node:os';

/**
 * Who ran an admin command, for its audit entry. `peer-credentials`: the OS user of the process on
 * the other end of the admin socket, found by the kernel's socket table (peer-identity.ts);
 * `invoking-user`: the user running this process (a CLI acting on the store with no gateway, or
 * the gateway's own `dev` invite); `socket-owner`: the peer could not be identified, and only the
 * socket's owner (the gateway's user) or root can connect to a 0600 socket; `console-session`: the
 * web console's session, whose login link went to that OS user over the admin socket.
 */
export interface AdminIdentity {
  user: string;
  uid: number | null;
  pid: number | null;
  /** The user who ran sudo, when the process says so (SUDO_USER): the human behind `root`. */
  sudoUser: string | null;
  source: 'peer-credentials' | 'invoking-user' | 'socket-owner' | 'console-session';
  via?: 'console';
}

/** The audit entry's actor: `admin:<user>`, `admin:<user>(sudo:<human>)`, or `admin:<user> via console`. */
export function actorOf(identity: AdminIdentity): string {
  return `admin:${identity.user}${identity.sudoUser ? `(sudo:${identity.sudoUser})` : ''}${identity.via ? ` via ${identity.via}` : ''}`;
}

/** Details recorded with every admin entry, beside the actor. */
export function adminDetails(identity: AdminIdentity): Record<string, unknown> {
  return { admin: { uid: identity.uid, pid: identity.pid, source: identity.source, ...(identity.sudoUser ? { sudoUser: identity.sudoUser } : {}) } };
}

const NAME = /^[A-Za-z0-9._-][A-Za-z0-9._@-]{0,63}$/;

/** A SUDO_USER worth recording: a plausible user name, never free text into the log. */
export function sudoUserOf(env: NodeJS.ProcessEnv | Record<string, string>): string | null {
  const value = env.SUDO_USER;
  return typeof value === 'string' && NAME.test(value) ? value : null;
}

/** This process's own user (with SUDO_USER when run through sudo). */
export function invokingIdentity(source: AdminIdentity['source'] = 'invoking-user'): AdminIdentity {
  const me = userInfo();
  return { user: me.username, uid: me.uid, pid: process.pid, sudoUser: sudoUserOf(process.env), source };
}
