/**
 * Issue 12, holes 9 and 10: no secret on a command line. Every local user can read
 * /proc/PID/cmdline, so an invite link there can be redeemed first by someone else, and the
 * preview bridge's one-time `#token=` lets them take over the bridge.
 *  - `npm start` hands the app its invite in the child's environment (scripts/start.ts appLaunch);
 *  - the preview, opened in a real Chromium window (on a private Xvfb display here), leaves
 *    neither the invite code nor the bridge token on any process's command line, and the link is
 *    gone from its own environment before it starts Chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appLaunch } from '../../scripts/start.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const RUN_PREVIEW = fileURLToPath(new URL('../../main/preview/run-preview.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The enrolled chat screen in the preview's Chromium window (the window path, not headless). */
const SCREENSHOT = path.join(ROOT, 'test-results', 'screenshots', 'preview-window-enrolled.png');

/** Every process's command line (NUL-separated arguments joined by spaces), by pid. */
async function commandLines(): Promise<Map<number, string>> {
  const lines = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (text) lines.set(Number(entry), text.split('\0').join(' '));
  }
  return lines;
}

function stopped(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

describe('npm start passes the invite out of argv (issue 12, hole 9)', () => {
  const link = 'airlock://enroll?gateway=https%3A%2F%2F127.0.0.1%3A8443&code=SECRETSECRETSECRETSECRETSECRETSECRETSECRET1&pin=sha256%2Fabc';

  it.each(['electron', 'preview'] as const)('%s: the link is in the environment, not in the arguments', (kind) => {
    const launch = appLaunch(kind, link, { appDir: '/app', previewData: '/data' });
    expect(launch.args.join(' ')).not.toContain('SECRETSECRET');
    expect(launch.args.join(' ')).not.toContain('airlock://');
    expect(Object.values(launch.env)).toEqual([link]);
  });
});

describe('the browser preview in a Chromium window (issue 12, holes 9 and 10)', () => {
  let gateway: TestGateway;
  let xvfb: ChildProcess | undefined;
  let preview: ChildProcess | undefined;
  let dir: string;
  const display = `:${90 + (process.pid % 500)}`;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-argv-'));
    xvfb = spawn('Xvfb', [display, '-nolisten', 'tcp', '-screen', '0', '1280x800x24'], { stdio: 'ignore' });
    gateway = await startGateway();
  }, 90_000);
  afterAll(async () => {
    await stopped(preview);
    await stopped(xvfb);
    await gateway?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('puts neither the invite code nor the bridge token on any command line', async () => {
    const link = await gateway.invite('argv@example.com');
    const code = new URL(link).searchParams.get('code')!;
    const lines: string[] = [];
    preview = spawn(process.execPath, ['--import', 'tsx', RUN_PREVIEW, '--data', path.join(dir, 'dev'), '--screenshot', SCREENSHOT], {
      cwd: ROOT,
      env: { ...process.env, DISPLAY: display, WAYLAND_DISPLAY: '', AIRLOCK_PREVIEW_ENROLL_LINK: link },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    preview.stderr!.on('data', (d: Buffer) => lines.push(d.toString('utf8')));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: preview!.stdout! }).on('line', (line) => {
        lines.push(line);
        if (line.includes('browser preview opened in Chromium')) resolve();
      });
      preview!.once('exit', (exit) => reject(new Error(`run-preview exited (${exit}):\n${lines.join('\n')}`)));
    });

    const all = await commandLines();
    const chromium = [...all].filter(([, line]) => line.includes('chromium'));
    expect(chromium.length, 'a Chromium window is running').toBeGreaterThan(0);
    for (const [pid, line] of all) {
      expect(line, `pid ${pid}`).not.toContain(code);
      expect(line, `pid ${pid}`).not.toMatch(/token=/);
    }
    // Nor is the link left in the environment Chromium inherited.
    for (const [pid] of chromium) {
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
      expect(environ, `pid ${pid}`).not.toContain(code);
    }
  }, 120_000);
});
