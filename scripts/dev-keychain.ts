/**
 * A private keychain for `npm start` on a machine with no Secret Service session (a headless
 * build machine): its own D-Bus session bus and gnome-keyring, in a throwaway HOME, so nothing
 * touches the user's real keyring. The caller passes `env` to the app process and calls `stop`.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Whether a Secret Service answers (or can be started) on the session bus `env` names. */
export async function secretServiceAvailable(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!env.DBUS_SESSION_BUS_ADDRESS) return false;
  const ask = async (method: string) => {
    const { stdout } = await run('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus', '/org/freedesktop/DBus', `org.freedesktop.DBus.${method}`, ...(method === 'NameHasOwner' ? ['string:org.freedesktop.secrets'] : [])], { env, timeout: 3000 });
    return stdout;
  };
  try {
    if (/boolean true/.test(await ask('NameHasOwner'))) return true;
    return (await ask('ListActivatableNames')).includes('"org.freedesktop.secrets"');
  } catch {
    return false;
  }
}

export interface DevKeychain {
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

function firstLine(child: ChildProcess, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('dbus-daemon did not start')), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!.trim());
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export async function startDevKeychain(): Promise<DevKeychain> {
  const home = await mkdtemp(path.join(os.tmpdir(), 'airlock-dev-keychain-'));
  const runtime = path.join(home, 'run');
  await mkdir(runtime, { mode: 0o700 });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_RUNTIME_DIR: runtime, XDG_DATA_HOME: path.join(home, 'data') };
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
      }
    }
    await rm(home, { recursive: true, force: true });
  };
  try {
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--nopidfile', '--print-address=1', `--address=unix:path=${path.join(runtime, 'bus')}`], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(bus);
    env.DBUS_SESSION_BUS_ADDRESS = await firstLine(bus, 10_000);
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets', `--control-directory=${path.join(runtime, 'keyring')}`], { env, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(keyring);
    // A throwaway password for a keyring that lives only as long as this run.
    keyring.stdin?.end('airlock-dev-keyring');
    const deadline = Date.now() + 10_000;
    while (!(await secretServiceAvailable(env))) {
      if (Date.now() > deadline || keyring.exitCode !== null) throw new Error('gnome-keyring did not start on the private bus');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { env, stop };
  } catch (error) {
    await stop();
    throw new Error(`could not start a private keychain (needs dbus-daemon and gnome-keyring: npm run system-deps): ${error instanceof Error ? error.message : String(error)}`);
  }
}
