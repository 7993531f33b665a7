/**
 * The admin's identity (issue 13): the socket table lookup that names the process on the other
 * end of the admin socket, and a real connection over a Unix socket in this process, whose peer is
 * this very process (so its pid and uid are known).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { actorOf, sudoUserOf } from '../../../gateway/admin/identity.js';
import { peerIdentity, peerPidFromSocketTable, userNameOf } from '../../../gateway/admin/peer-identity.js';

const TABLE = [
  'u_str ESTAB 0 0 /var/lib/airlock/admin.sock 126937 * 126936 users:(("node",pid=900,fd=21))',
  'u_str ESTAB 0 0 * 126936 * 126937 users:(("node",pid=4242,fd=18))',
  'u_str ESTAB 0 0 * 500 * 0 users:(("x",pid=1,fd=1))',
].join('\n');

describe('peer identity', () => {
  it('finds the process on the other end of a socket by its inode', () => {
    expect(peerPidFromSocketTable(TABLE, '126937')).toBe(4242);
    expect(peerPidFromSocketTable(TABLE, '126936')).toBe(900);
    expect(peerPidFromSocketTable(TABLE, '500')).toBeUndefined();
    expect(peerPidFromSocketTable(TABLE, '999')).toBeUndefined();
  });

  it('names a uid from passwd, or by its number', () => {
    expect(userNameOf('root:x:0:0::/root:/bin/bash\nada:x:1000:1000::/home/ada:/bin/sh\n', 1000)).toBe('ada');
    expect(userNameOf('root:x:0:0::/root:/bin/bash\n', 1234)).toBe('1234');
  });

  it('records SUDO_USER only when it looks like a user name', () => {
    expect(sudoUserOf({ SUDO_USER: 'alice' })).toBe('alice');
    expect(sudoUserOf({ SUDO_USER: 'alice; rm -rf /' })).toBeNull();
    expect(sudoUserOf({})).toBeNull();
    expect(actorOf({ user: 'root', uid: 0, pid: 1, sudoUser: 'alice', source: 'peer-credentials' })).toBe('admin:root(sudo:alice)');
  });

  it.runIf(process.platform === 'linux')('names this process as the peer of a real Unix-socket connection', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-peer-'));
    const path = join(dir, 'test.sock');
    let resolveAccepted: (socket: Socket) => void = () => undefined;
    const accepted = new Promise<Socket>((resolve) => (resolveAccepted = resolve));
    const server = createServer((socket) => resolveAccepted(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    const client = createConnection(path);
    try {
      const identity = await peerIdentity(await accepted);
      expect(identity).toMatchObject({ source: 'peer-credentials', pid: process.pid, uid: userInfo().uid, user: userInfo().username });
    } finally {
      client.destroy();
      (await accepted).destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
