/**
 * A private keychain: its own D-Bus session bus and a gnome-keyring Secret Service on it (the
 * login keyring unlocked with a throwaway password), in a throwaway HOME, so nothing touches the
 * user's real keyring. `npm start` uses it on a machine with no Secret Service session (a headless
 * build machine); the test run (test/setup/keychain.ts) and the benches use it always. Whoever
 * starts one points DBUS_SESSION_BUS_ADDRESS at `address` and calls `stop`.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function askBus(env: NodeJS.ProcessEnv, method: 'NameHasOwner' | 'ListActivatableNames'): Promise<string> {
  const { stdout } = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', `org.freedesktop.DBus.${method}`, ...(method === 'NameHasOwner' ? ['string:org.freedesktop.secrets'] : [])], { env, timeout: 3000 });
  return stdout;
}

/** Whether a Secret Service runs on the session bus `env` names (not merely could be started). */
async function secretServiceRunning(env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    return /boolean true/.test(await askBus(env, 'NameHasOwner'));
  } catch {
    return false;
  }
}

/** Whether a Secret Service answers (or can be started) on the session bus `env` names. */
export async function secretServiceAvailable(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return false;
  if (await secretServiceRunning(env)) return true;
  try {
    return (await askBus(env, 'ListActivatableNames')).includes('"org.freedesktop.secrets"');
  } catch {
    return false;
  }
}

export interface PrivateKeychain {
  /** The private bus: DBUS_SESSION_BUS_ADDRESS for whoever should use this keychain. */
  address: string;
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}
export type DevKeychain = PrivateKeychain;

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`dbus-daemon did not start in ${timeoutMs} ms`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.trim() !== '');
      if (line !== undefined && out.includes('\n')) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Starts a private bus and keyring; `label` names the temp HOME, `what` the error, `password` unlocks
 * the throwaway login keyring. With `password: null` no login keyring is made: a Secret Service that
 * lists (nothing) but has no collection to write to, as on a machine where nobody created one.
 */
export async function startPrivateKeychain(options: { label: string; what: string; password: string | null }): Promise<PrivateKeychain> {
  const home = await mkdtemp(path.join(os.tmpdir(), `${options.label}-`));
  const runtime = path.join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: runtime,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    XDG_CACHE_HOME: path.join(home, 'cache'),
  };

  // Their stderr is kept for the error message only (dbus-daemon warns about fd limits as non-root).
  let stderr = '';
  const collect = (child: ChildProcess): void => void child.stderr?.on('data', (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-2000)));
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${path.join(runtime, 'bus')}`], { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
    env.DBUS_SESSION_BUS_ADDRESS = await firstLine(bus, 10_000);
    const unlock = options.password === null ? [] : ['--unlock'];
    keyring = spawn('gnome-keyring-daemon', ['--foreground', ...unlock, '--components=secrets', `--control-directory=${path.join(runtime, 'keyring')}`], { env, stdio: ['pipe', 'ignore', 'pipe'] });
    collect(keyring);
    keyring.stdin!.end(options.password ?? '');
    // Running, not merely activatable: activation would start a second, locked keyring.
    const deadline = Date.now() + 10_000;
    while (!(await secretServiceRunning(env))) {
      if (Date.now() > deadline || keyring.exitCode !== null) throw new Error('gnome-keyring did not offer org.freedesktop.secrets on the private bus');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { address: env.DBUS_SESSION_BUS_ADDRESS, env, stop };
  } catch (error) {
    await stop();
    throw new Error(`${options.what} could not start (needs dbus-daemon and gnome-keyring: npm run system-deps): ${error instanceof Error ? error.message : String(error)}\n${stderr}`);
  }
}

/** The keychain `npm start` uses when the machine has no Secret Service session. */
export function startDevKeychain(): Promise<DevKeychain> {
  return startPrivateKeychain({ label: 'airlock-dev-keychain', what: 'A private keychain for npm start', password: 'airlock-dev-keyring' });
}
