/**
 * `npm start`: the tester's whole path in one command (DESIGN.md, "Running it here and on a laptop").
 *  1. a dev gateway (`airlock-gateway dev`: loopback, demo upstream, data in .airlock-dev/gateway) and its fresh invite;
 *  2. a keychain: the session's Secret Service, or a private D-Bus + gnome-keyring when there is none;
 *  3. the Electron app opened on the invite when an Electron binary is installed; otherwise the same
 *     renderer in Chromium as a labelled browser preview, bridged to the real client core.
 * Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { once } from 'node:events';
import { buildApp } from './build-app.js';
import { secretServiceAvailable, startDevKeychain } from './dev-keychain.js';
import type { DevKeychain } from './dev-keychain.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEV_DIR = path.join(root, '.airlock-dev');
const GATEWAY_DIR = path.join(DEV_DIR, 'gateway');
const say = (line: string) => process.stdout.write(`airlock: ${line}\n`);
/** The variables main/preview/run-preview.ts reads an invite from (scripts/ may not import main/). */
const INVITE_ENV = 'AIRLOCK_PREVIEW_INVITE';
const ENROLL_LINK_ENV = 'AIRLOCK_PREVIEW_ENROLL_LINK';
/** The variable the Electron app takes a link from at start (main/shell/launch-link.ts). */
const APP_LINK_ENV = 'AIRLOCK_OPEN_LINK';

/**
 * How the app is started on the dev gateway's invite. The link holds a one-time code and every
 * local user can read a process's command line (/proc/PID/cmdline), so it travels in the child's
 * environment, which only the same user (and root) can read (issue 12, hole 9).
 */
export function appLaunch(kind: 'electron' | 'preview', link: string, options: { appDir: string; previewData: string; headlessScreenshot?: string }): { args: string[]; env: Record<string, string> } {
  if (kind === 'electron') return { args: [options.appDir], env: { [APP_LINK_ENV]: link } };
  const args = ['--import', 'tsx', path.join(root, 'main', 'preview', 'run-preview.ts'), '--data', options.previewData];
  if (options.headlessScreenshot !== undefined) args.push('--headless', '--screenshot', options.headlessScreenshot);
  return { args, env: { [ENROLL_LINK_ENV]: link } };
}

const devLine = z.object({ url: z.string(), pin: z.string(), link: z.string().startsWith('airlock://enroll?') });

/**
 * The Electron executable, found WITHOUT requiring the `electron` package (whose index.js starts a
 * download when the binary is missing): its path.txt names the file under dist/.
 */
export function electronBinary(electronDir = path.join(root, 'node_modules', 'electron')): string | null {
  try {
    const relative = readFileSync(path.join(electronDir, 'path.txt'), 'utf8').trim();
    const binary = path.join(electronDir, 'dist', relative);
    return relative && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function startGateway(children: ChildProcess[]): Promise<z.infer<typeof devLine>> {
  const gateway = spawn(process.execPath, [path.join(root, 'bin', 'airlock-gateway.mjs'), 'dev', '--json', '--data', GATEWAY_DIR], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(gateway);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: gateway.stdout! });
    lines.once('line', (line) => {
      try {
        resolve(devLine.parse(JSON.parse(line)));
      } catch {
        reject(new Error(`the dev gateway printed an unexpected first line: ${line.slice(0, 200)}`));
      }
    });
    gateway.once('exit', (code) => reject(new Error(`the dev gateway exited (code ${code}) before it was ready`)));
  });
}

/** The invite link, read from stdin (never argv: /proc/PID/cmdline is world-readable and it holds a one-time code). */
async function readInvite(): Promise<string> {
  if (process.stdin.isTTY) process.stdout.write('airlock: paste your invite link (airlock://enroll?...) and press Enter: ');
  const lines = createInterface({ input: process.stdin });
  const [line] = await once(lines, 'line') as [string];
  lines.close();
  const link = line.trim();
  if (!link.startsWith('airlock://enroll?')) throw new Error('that is not an Airlock invite link (it starts with airlock://enroll?)');
  return link;
}

/**
 * `npm start -- --invite`: the app for an invite to any gateway (no dev gateway). In the preview
 * the link reaches the app in the environment and goes through the confirm screen; the Electron
 * app takes it pasted into its invite box.
 */
async function openForeignInvite(env: NodeJS.ProcessEnv, onExit: (code: number) => void): Promise<ChildProcess> {
  const link = await readInvite();
  const electron = electronBinary();
  let app: ChildProcess;
  if (electron) {
    await buildApp(path.join(root, 'dist', 'app'), (line) => say(line));
    app = spawn(electron, [path.join(root, 'dist', 'app')], { cwd: root, env, stdio: 'inherit' });
    say('Electron app opened: paste the invite link into it, check the gateway and pin it shows, then confirm');
  } else {
    const display = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
    const args = ['--import', 'tsx', path.join(root, 'main', 'preview', 'run-preview.ts'), '--data', path.join(DEV_DIR, 'preview-invite')];
    if (!display) args.push('--headless');
    // stdin stays the terminal's: the preview asks there before it enrolls (main's confirmation).
    app = spawn(process.execPath, args, { cwd: root, env: { ...env, [INVITE_ENV]: link }, stdio: 'inherit' });
  }
  app.once('exit', (code) => onExit(code ?? 0));
  return app;
}

async function main(): Promise<void> {
  const started = Date.now();
  const children: ChildProcess[] = [];
  let keychain: DevKeychain | null = null;
  let stopping = false;

  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    // Reverse order: the app first (it closes its gateway connections), the gateway last.
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await keychain?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The keychain comes up while the gateway starts.
    const keychainReady = (async () => {
      if (await secretServiceAvailable(env)) return;
      keychain = await startDevKeychain();
      Object.assign(env, { DBUS_SESSION_BUS_ADDRESS: keychain.env.DBUS_SESSION_BUS_ADDRESS });
      say('no Secret Service in this session: using a private D-Bus + gnome-keyring for this run (the device key goes there, and is gone when this stops)');
    })();
    // Awaited below; this only keeps an early failure from counting as unhandled meanwhile.
    keychainReady.catch(() => {});
    if (process.argv.includes('--invite')) {
      await keychainReady;
      children.push(await openForeignInvite(env, (code) => void stop(code)));
      return;
    }
    const gateway = await startGateway(children);
    say(`dev gateway at ${gateway.url} (demo model, loopback only), pin ${gateway.pin}`);
    say(`invite: ${gateway.link}`);
    say(`admin: npx airlock-gateway device list --data ${path.relative(process.cwd(), GATEWAY_DIR)}`);
    await keychainReady;

    const electron = electronBinary();
    let app: ChildProcess;
    if (electron) {
      await buildApp(path.join(root, 'dist', 'app'), (line) => say(line));
      const launch = appLaunch('electron', gateway.link, { appDir: path.join(root, 'dist', 'app'), previewData: '' });
      app = spawn(electron, launch.args, { cwd: root, env: { ...env, ...launch.env }, stdio: 'inherit' });
      say('Electron app opened on the invite: check the gateway and pin it shows, then confirm');
    } else {
      const display = Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
      say(`no Electron binary in node_modules/electron (its download is blocked here): opening the renderer in Chromium as a browser preview${display ? '' : '; no display, so Chromium runs headless'}`);
      const launch = appLaunch('preview', gateway.link, { appDir: '', previewData: path.join(DEV_DIR, 'preview'), ...(display ? {} : { headlessScreenshot: path.join(DEV_DIR, 'screenshots', 'enrolled.png') }) });
      app = spawn(process.execPath, launch.args, { cwd: root, env: { ...env, ...launch.env }, stdio: 'inherit' });
    }
    children.push(app);
    app.once('exit', (code) => void stop(code ?? 0));
    say(`gateway up and app launched in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C stops everything`);
  } catch (error) {
    process.stderr.write(`airlock: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
