import { chmod, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { adminRequest, type AdminProof, type AdminResponse } from '../../protocol/schemas/admin.js';
import type { Logger } from '../log.js';
import { describeZodError } from '../http/schemas.js';
import type { AdminIdentity } from './identity.js';
import { AdminError } from './operations.js';
import { peerIdentity } from './peer-identity.js';

const MAX_REQUEST_BYTES = 2_000_000;

/** Whether something answers on the socket (a running gateway), as opposed to a stale file. */
export function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * `DATA/admin.sock`: one newline-terminated JSON request per connection, one JSON answer
 * (protocol/schemas/admin.ts). Mode 0600 inside a 0700 directory: only the gateway's OS user
 * can connect. There is no admin route on the network port. Each command runs with the identity
 * of the connecting process (peer-identity.ts), which its audit entries name.
 */
export async function startAdminSocket(
  path: string,
  run: (request: ReturnType<typeof adminRequest.parse>, identity: AdminIdentity) => Promise<unknown>,
  log: Logger,
  /** The audit entry a state-changing command left (admin/action-proof.ts), sent with the answer. */
  prove?: (request: ReturnType<typeof adminRequest.parse>, result: unknown) => Promise<AdminProof | undefined>,
): Promise<Server> {
  if (await socketIsLive(path)) throw new Error(`Another gateway is already running on this data directory (${path} answers).`);
  await unlink(path).catch(() => undefined);

  const server = createServer((socket) => {
    let buffer = '';
    let done = false;
    const answer = (response: AdminResponse) => {
      done = true;
      socket.end(`${JSON.stringify(response)}\n`);
    };
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      if (done) return;
      buffer += chunk;
      if (buffer.length > MAX_REQUEST_BYTES) return answer({ ok: false, error: { code: 'bad_request', message: 'The admin request is too large.' } });
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      let parsedJson: unknown;
      try {
        parsedJson = JSON.parse(buffer.slice(0, end));
      } catch {
        return answer({ ok: false, error: { code: 'bad_request', message: 'The admin request is not JSON.' } });
      }
      const parsed = adminRequest.safeParse(parsedJson);
      if (!parsed.success) return answer({ ok: false, error: { code: 'bad_request', message: describeZodError('The admin request', parsed.error) } });
      done = true;
      // Who is on the other end goes into the audit entry of whatever this command changes.
      peerIdentity(socket).then((identity) => run(parsed.data, identity)).then(
        async (result) => {
          const proof = await prove?.(parsed.data, result).catch(() => undefined);
          answer({ ok: true, result, ...(proof ? { proof } : {}) });
        },
        (error: unknown) => {
          if (error instanceof AdminError) return answer({ ok: false, error: { code: error.code, message: error.message } });
          log.error('admin command failed', { op: parsed.data.op, error: error instanceof Error ? error.stack ?? error.message : String(error) });
          answer({ ok: false, error: { code: 'internal_error', message: 'The admin command failed; see the gateway log.' } });
        },
      );
    });
  });

  const previous = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(previous);
  }
  await chmod(path, 0o600);
  return server;
}
