/**
 * The OS user on the other end of an admin-socket connection. Node has no SO_PEERCRED, so on Linux
 * the accepted socket's inode (from /proc/self/fd) is looked up in the kernel's socket table as
 * `ss -xpn` prints it (sock_diag): the row whose local inode is ours names the peer's inode, and
 * the row with that inode names the process; its uid comes from /proc/PID/status and its name
 * from /etc/passwd. Anything missing (another OS, no `ss`, a process gone) falls back to the
 * socket's owner, which is who a 0600 socket admits anyway (or root).
 */
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { invokingIdentity, sudoUserOf, type AdminIdentity } from './identity.js';

/** The file descriptor of a connected socket; Node keeps it on the internal handle. */
function fdOf(socket: Socket): number | undefined {
  const handle: unknown = Reflect.get(socket, '_handle');
  const fd: unknown = typeof handle === 'object' && handle !== null ? Reflect.get(handle, 'fd') : undefined;
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : undefined;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 2_000, maxBuffer: 8 * 1024 * 1024 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

/** From `ss -xpnH` output: the pid on the other end of the socket with local inode `inode`. */
export function peerPidFromSocketTable(table: string, inode: string): number | undefined {
  const rows = table.split('\n').map((line) => line.trim().split(/\s+/));
  // Columns: Netid State Recv-Q Send-Q Local-Address Local-Port(inode) Peer-Address Peer-Port(inode) [users:(...)]
  const ours = rows.find((r) => r[5] === inode);
  const peerInode = ours?.[7];
  if (!peerInode || peerInode === '0') return undefined;
  const peer = rows.find((r) => r[5] === peerInode);
  const pid = /pid=(\d+)/.exec(peer?.slice(8).join(' ') ?? '')?.[1];
  return pid === undefined ? undefined : Number(pid);
}

/** The user name of a uid, from /etc/passwd; the number itself when it has no entry. */
export function userNameOf(passwd: string, uid: number): string {
  for (const line of passwd.split('\n')) {
    const [name, , id] = line.split(':');
    if (name && Number(id) === uid) return name;
  }
  return String(uid);
}

export async function peerIdentity(socket: Socket): Promise<AdminIdentity> {
  const fallback = invokingIdentity('socket-owner');
  if (process.platform !== 'linux') return { ...fallback, pid: null, sudoUser: null };
  try {
    const fd = fdOf(socket);
    if (fd === undefined) throw new Error('no fd');
    const inode = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/self/fd/${fd}`))?.[1];
    if (!inode) throw new Error('not a socket');
    const pid = peerPidFromSocketTable(await run('ss', ['-xpnH']), inode);
    if (pid === undefined) throw new Error('no peer');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
    if (!Number.isInteger(uid)) throw new Error('no uid');
    const user = userNameOf(await readFile('/etc/passwd', 'utf8'), uid);
    // SUDO_USER of the peer: readable when it runs as the gateway's own user (root's is not).
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const env = Object.fromEntries(environ.split('\0').filter((kv) => kv.startsWith('SUDO_USER=')).map((kv) => ['SUDO_USER', kv.slice(10)]));
    return { user, uid, pid, sudoUser: sudoUserOf(env), source: 'peer-credentials' };
  } catch {
    return { ...fallback, pid: null, sudoUser: null };
  }
}
