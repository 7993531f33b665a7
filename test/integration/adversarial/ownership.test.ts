/**
 * Issue 12, holes 3 and 4: another OS user must not be able to stand in for the gateway's files.
 * The test makes a second OS user (useradd, as root) and chowns things to it:
 *  - `init` refuses an empty data directory that user owns;
 *  - `serve` refuses the data directory, every secret file and the store files when that user
 *    owns them (a 0600 token.key of theirs would let them mint access tokens);
 *  - the store files are created 0600;
 *  - the CLI refuses to speak to an admin socket that user owns, and refuses an "ok" answer that
 *    points at no audit entry recording the action (a listener that is not the gateway).
 * Run as root only (chown needs it); elsewhere it prints why it is skipped.
 */
import { execFileSync } from 'node:child_process';
import { chown, mkdir, mkdtemp, rm, stat, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initDataDir } from '../../../gateway/init/init.js';
import { runCli, startGateway } from '../../helpers/gateway.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.log('test/integration/adversarial/ownership.test.ts skipped: it must run as root to create a second OS user and chown files to it.');

const SECRETS = ['ca.pem', 'ca.key', 'server.pem', 'server.key', 'token.key', 'machine-id.salt', 'dpop-nonce.secret', 'policy.json'];
const STORE_FILES = ['airlock.db', 'trace.db'];
const FAKE_DEVICE = 'dev_AAAAAAAAAAAAAAAAAAAAAA';

describe.skipIf(!isRoot)('files another OS user owns (issue 12, holes 3 and 4)', () => {
  const user = `airl-adv-${process.pid}`;
  let uid: number;
  let gid: number;
  let root: string;
  let dataDir: string;

  beforeAll(async () => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user]);
    uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    root = await mkdtemp(join(tmpdir(), 'airlock-owner-'));
    dataDir = join(root, 'data');
    await initDataDir(dataDir);
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
    execFileSync('userdel', [user]);
  });

  /** What `serve` did: the error it stopped with, or "started" (then it is stopped again). */
  async function serveOutcome(): Promise<string> {
    return startGateway({ dataDir }).then(
      async (gw) => {
        await gw.stop({ keepData: true });
        return 'started';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  }

  /** Runs `fn` with `path` owned by the other user, then gives it back. */
  async function ownedByOther<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const before = await stat(path);
    await chown(path, uid, gid);
    try {
      return await fn();
    } finally {
      await chown(path, before.uid, before.gid);
    }
  }

  it('init refuses an empty data directory another user owns', async () => {
    const theirs = join(root, 'theirs');
    await mkdir(theirs, { mode: 0o700 });
    await chown(theirs, uid, gid);
    const result = await runCli(['init', '--data', theirs]);
    expect(result.code, result.stderr).not.toBe(0);
    expect(result.stderr).toMatch(new RegExp(`owned by uid ${uid}`));
  });

  it('serve starts on the directory as made, and creates the store files 0600', async () => {
    const gw = await startGateway({ dataDir });
    try {
      for (const name of ['airlock.db', 'airlock.db-wal', 'airlock.db-shm', 'trace.db', 'trace.db-wal', 'trace.db-shm']) {
        const mode = (await stat(join(dataDir, name))).mode & 0o777;
        expect(mode.toString(8), name).toBe('600');
      }
    } finally {
      await gw.stop({ keepData: true });
    }
  });

  it('serve refuses the data directory when another user owns it', async () => {
    expect(await ownedByOther(dataDir, serveOutcome)).toMatch(new RegExp(`${dataDir} is owned by uid ${uid}`));
  });

  it.each([...SECRETS, ...STORE_FILES])('serve refuses %s when another user owns it (even at mode 0600)', async (name) => {
    const path = join(dataDir, name);
    expect(((await stat(path)).mode & 0o777).toString(8)).toBe('600');
    expect(await ownedByOther(path, serveOutcome)).toMatch(new RegExp(`${path} is owned by uid ${uid}`));
  });

  describe('the admin CLI and what answers on DATA/admin.sock', () => {
    let fake: Server;
    let spokenTo = 0;
    const socket = () => join(dataDir, 'admin.sock');

    beforeAll(async () => {
      await unlink(socket()).catch(() => undefined);
      // A listener that says "revoked" to everything, as the attack suite's did.
      fake = createServer((c) => {
        c.on('error', () => undefined);
        c.on('data', () => {
          spokenTo++;
          c.end(`${JSON.stringify({ ok: true, result: { id: FAKE_DEVICE, status: 'revoked', cut: 0 } })}\n`);
        });
      });
      await new Promise<void>((resolve) => fake.listen(socket(), resolve));
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
    });

    it('refuses to speak to a socket another user owns', async () => {
      const result = await ownedByOther(socket(), () => runCli(['device', 'revoke', FAKE_DEVICE, '--reason', 'lost', '--data', dataDir]));
      expect(result.code, result.stdout).toBe(4);
      expect(result.stderr).toMatch(/admin socket is owned by uid/);
      expect(spokenTo).toBe(0);
    });

    it('refuses an "ok" that points at no audit entry of the action, and exits non-zero', async () => {
      const result = await runCli(['device', 'revoke', FAKE_DEVICE, '--reason', 'lost', '--data', dataDir]);
      expect(spokenTo).toBe(1);
      expect(result.code, result.stdout).not.toBe(0);
      expect(result.stderr).toMatch(/no audit record of the action/);
    });
  });
});
