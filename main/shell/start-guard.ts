import { debugSwitchesIn } from '../core/debug-flags.js';

export interface StartGuardDeps {
  packaged: boolean;
  argv: readonly string[];
  platform: NodeJS.Platform;
  /** `app.commandLine.hasSwitch`: Chromium's own view, which also sees switches Electron added. */
  hasSwitch(name: string): boolean;
  /** `dialog.showErrorBox`: usable before `ready`, so the refusal is seen, not one line on stderr. */
  showErrorBox(title: string, content: string): void;
  exit(code: number): void;
}

const CHROMIUM_SWITCHES = ['remote-debugging-port', 'remote-debugging-pipe', 'remote-debugging-address', 'inspect', 'inspect-brk', 'no-sandbox'];

/**
 * A packaged build refuses to start with a debugger port, an inspector or the sandbox switched off:
 * Electron honours these switches in packaged builds, and no fuse covers the remote-debugging ones.
 * A development build starts, and its evidence reports `debugger: true` (core/node-ports.ts), so a
 * gateway policy with `refuseDebugger` refuses it. Returns whether the start may go on.
 */
export function guardStartSwitches(deps: StartGuardDeps): boolean {
  if (!deps.packaged) return true;
  const found = new Set(debugSwitchesIn(deps.argv.slice(1), deps.platform));
  for (const name of CHROMIUM_SWITCHES) if (deps.hasSwitch(name)) found.add(`--${name}`);
  if (found.size === 0) return true;
  deps.showErrorBox(
    'Airlock cannot start',
    `Airlock was started with ${[...found].join(', ')}. These open the app to a debugger or turn off its sandbox, so Airlock does not run with them.\n\nStart Airlock from its menu entry or icon, without extra options. If a shortcut or script adds them, remove them from it.`,
  );
  deps.exit(1);
  return false;
}
