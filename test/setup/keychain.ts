/**
 * vitest globalSetup: a private keychain for the whole test run. Starts its own D-Bus session bus
 * and a gnome-keyring Secret Service on it (login keyring unlocked with a throwaway password, kept
 * in a temporary HOME), and points DBUS_SESSION_BUS_ADDRESS at that bus so the test workers'
 * keytar reaches it and never the real user's keyring. Both daemons are killed at teardown.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivateKeychain {
  address: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, lines: number, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start in ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const got = out.split('\n').filter((l) => l.trim() !== '');
      if (got.length >= lines) {
        clearTimeout(timer);
        resolve(got);
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function secretServiceUp(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const { stdout } = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'], { env });
    return /boolean true/.test(stdout);
  } catch {
    return false;
  }
}

/** Starts a private bus and keyring; used by the globalSetup and by benches. */
export async function startPrivateKeychain(): Promise<PrivateKeychain> {
  const home = await mkdtemp(join(tmpdir(), 'airlock-keychain-'));
  const runtime = join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
  };

  // Their stderr is kept for the error message only (dbus-daemon warns about fd limits as non-root).
  let stderr = '';
  const collect = (child: ChildProcess): void => void child.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${join(runtime, 'bus')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  collect(bus);
  let keyring: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    for (const child of [keyring, bus]) {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }
    await rm(home, { recursive: true, force: true });
  };

  try {
    const [address] = await waitForLine(bus, 1, 10_000);
    env.DBUS_SESSION_BUS_ADDRESS = address!.trim();
    keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets', `--control-directory=${join(runtime, 'keyring')}`], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    collect(keyring);
    keyring.stdin!.end('airlock-test-keyring');
    const deadline = Date.now() + 10_000;
    while (!(await secretServiceUp(env))) {
      if (Date.now() > deadline || keyring.exitCode !== null) throw new Error('gnome-keyring did not offer org.freedesktop.secrets on the private bus');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { address: env.DBUS_SESSION_BUS_ADDRESS, env, stop };
  } catch (error) {
    await stop();
    throw new Error(`The test keychain could not start (needs dbus-daemon and gnome-keyring: npm run system-deps): ${error instanceof Error ? error.message : String(error)}\n${stderr}`);
  }
}

let keychain: PrivateKeychain | undefined;

export async function setup(): Promise<void> {
  keychain = await startPrivateKeychain();
  // Workers are forked after this and inherit it: keytar in every test reaches only this bus.
  process.env.DBUS_SESSION_BUS_ADDRESS = keychain.address;
  process.env.AIRLOCK_TEST_KEYCHAIN = '1';
}

export async function teardown(): Promise<void> {
  await keychain?.stop();
  keychain = undefined;
}
