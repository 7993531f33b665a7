import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, realpath, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as inspector from 'node:inspector';
import * as os from 'node:os';
import type { AttestationDeps } from './attestation/collector.js';
import { debugSwitchesIn } from './debug-flags.js';
import type { SysfsReader } from './attestation/linux.js';
import type { Clock, CommandRunner, DataDir, RandomBytes } from './ports.js';

/** The real ports, for the app and for integration tests. */

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const timer = setTimeout(fn, ms);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
};

export const cryptoRandom: RandomBytes = (n) => new Uint8Array(randomBytes(n));

export function dataDirAt(path: string): DataDir {
  return {
    path,
    async wipe() {
      let entries: string[];
      try {
        entries = await readdir(path);
      } catch {
        return;
      }
      await Promise.all(entries.map((entry) => rm(join(path, entry), { recursive: true, force: true })));
    },
  };
}

/** Runs a program directly (no shell) with a time limit; a missing program gives code null. */
export const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, [...args], { timeout: 5_000, windowsHide: true, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

async function readText(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

export const realSysfs: SysfsReader = {
  readFile: readText,
  async readdir(path) {
    try {
      return await readdir(path);
    } catch {
      return null;
    }
  },
  async realName(path) {
    try {
      return basename(await realpath(path));
    } catch {
      return null;
    }
  },
};

/**
 * A debugger can read the device key out of memory: report one if attached or armed by flags,
 * Node's (--inspect*, in execArgv or NODE_OPTIONS) and Chromium's (--remote-debugging-port/pipe,
 * --no-sandbox, in the app's own argv).
 */
export function debuggerAttached(from: { argv?: readonly string[]; execArgv?: readonly string[]; nodeOptions?: string; inspectorUrl?: string | undefined } = {}): boolean {
  const inspectorUrl = 'inspectorUrl' in from ? from.inspectorUrl : inspector.url();
  if (inspectorUrl !== undefined) return true;
  const flags = [...(from.execArgv ?? process.execArgv), ...(from.nodeOptions ?? process.env.NODE_OPTIONS ?? '').split(/\s+/), ...(from.argv ?? process.argv.slice(1))];
  return debugSwitchesIn(flags).length > 0;
}

export function nodeAttestationDeps(app: { appVersion: string; buildId: string; packaged: boolean }, overrides: Partial<AttestationDeps> = {}): AttestationDeps {
  return {
    platform: process.platform,
    arch: process.arch,
    kernelRelease: os.release(),
    appVersion: app.appVersion,
    buildId: app.buildId,
    packaged: app.packaged,
    run: execRunner,
    readFile: readText,
    sysfs: realSysfs,
    debuggerAttached: () => debuggerAttached(),
    ...overrides,
  };
}
