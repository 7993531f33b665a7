import { describe, expect, it } from 'vitest';
import { debuggerAttached } from '../../../main/core/node-ports.js';
import { guardStartSwitches } from '../../../main/shell/start-guard.js';
import type { StartGuardDeps } from '../../../main/shell/start-guard.js';

/** Electron's calls, injected: `app.isPackaged`, `app.commandLine.hasSwitch`, `dialog.showErrorBox`, `app.exit`. */
function electron(options: { packaged: boolean; argv: string[]; switches?: string[]; platform?: NodeJS.Platform }) {
  const boxes: Array<{ title: string; content: string }> = [];
  const exits: number[] = [];
  const deps: StartGuardDeps = {
    packaged: options.packaged,
    argv: ['/opt/Airlock/airlock', ...options.argv],
    platform: options.platform ?? 'linux',
    hasSwitch: (name) => (options.switches ?? []).includes(name),
    showErrorBox: (title, content) => void boxes.push({ title, content }),
    exit: (code) => void exits.push(code),
  };
  return { deps, boxes, exits };
}

describe('start-up switches in a packaged build', () => {
  it.each([
    ['--remote-debugging-port=9222'],
    ['--remote-debugging-pipe'],
    ['--inspect=9229'],
    ['--inspect-brk'],
    ['--no-sandbox'],
    ['-remote-debugging-port=9222'],
  ])('refuses %s with a dialog that says what to do, and exits', (flag) => {
    const { deps, boxes, exits } = electron({ packaged: true, argv: [flag, 'airlock://enroll?gw=x'] });
    expect(guardStartSwitches(deps)).toBe(false);
    expect(exits).toEqual([1]);
    expect(boxes[0]?.title).toBe('Airlock cannot start');
    expect(boxes[0]?.content).toContain(flag);
    expect(boxes[0]?.content).toMatch(/without extra options/);
  });

  it('refuses a switch Chromium sees even when it is not in argv as given (e.g. /remote-debugging-port on Windows)', () => {
    const win = electron({ packaged: true, argv: ['/REMOTE-DEBUGGING-PORT=9222'], platform: 'win32' });
    expect(guardStartSwitches(win.deps)).toBe(false);
    const fromChromium = electron({ packaged: true, argv: [], switches: ['remote-debugging-pipe'] });
    expect(guardStartSwitches(fromChromium.deps)).toBe(false);
    expect(fromChromium.boxes[0]?.content).toContain('--remote-debugging-pipe');
  });

  it('starts a packaged build without them, and a development build with them', () => {
    const clean = electron({ packaged: true, argv: ['airlock://enroll?gw=x', '--user-data-dir=/tmp/x'] });
    expect(guardStartSwitches(clean.deps)).toBe(true);
    expect(clean.exits).toEqual([]);
    const dev = electron({ packaged: false, argv: ['--remote-debugging-port=9222'] });
    expect(guardStartSwitches(dev.deps)).toBe(true);
    expect(dev.boxes).toEqual([]);
  });

  it('reports debugger: true in the evidence for Chromium debugging switches, not only Node inspector ones', () => {
    const none = { execArgv: [], nodeOptions: '', inspectorUrl: undefined };
    expect(debuggerAttached({ ...none, argv: ['.', 'airlock://enroll?gw=x'] })).toBe(false);
    expect(debuggerAttached({ ...none, argv: ['.', '--remote-debugging-port=9222'] })).toBe(true);
    expect(debuggerAttached({ ...none, argv: ['.', '--remote-debugging-pipe'] })).toBe(true);
    expect(debuggerAttached({ ...none, argv: ['.'], execArgv: ['--inspect'] })).toBe(true);
  });
});
