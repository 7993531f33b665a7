import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TargetOs } from './signing/signing-plan.js';

const NODE_PLATFORM: Record<TargetOs, string> = { linux: 'linux', mac: 'darwin', win: 'win32' };

/** The Electron zip electron-builder downloads for a target, honouring ELECTRON_MIRROR as @electron/get does. */
export function electronZipUrl(version: string, os: TargetOs, arch: string, env: Record<string, string | undefined>): string {
  const mirror = env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
  const base = mirror.endsWith('/') ? mirror : `${mirror}/`;
  return `${base}v${version}/electron-v${version}-${NODE_PLATFORM[os]}-${arch}.zip`;
}

/**
 * Where Electron comes from for a packaging run: a folder given on the command line, the one
 * `npm install` unpacked into node_modules/electron/dist when it matches the target, or (null)
 * electron-builder's own download.
 */
export function localElectronDist(options: { repoDir: string; os: TargetOs; arch: string; given?: string | undefined }): string | null {
  if (options.given !== undefined) return path.resolve(options.given);
  const dist = path.join(options.repoDir, 'node_modules', 'electron', 'dist');
  const sameMachine = NODE_PLATFORM[options.os] === process.platform && options.arch === process.arch;
  return sameMachine && existsSync(dist) ? dist : null;
}

/** Whether the Electron zip can be fetched at all (HEAD, short timeout, normal TLS checks); the reason when not. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

export async function probeDownload(url: string, timeoutMs = 8000): Promise<ProbeResult> {
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
    if (response.ok) return { ok: true };
    return { ok: false, reason: `HTTP ${response.status}` };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { ok: false, reason: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}
