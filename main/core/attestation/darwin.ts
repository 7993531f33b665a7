import type { DiskEncryption } from './linux.js';

/** macOS evidence sources, as pure parsers over recorded command output. */

/** `IOPlatformUUID` from `ioreg -rd1 -c IOPlatformExpertDevice`. */
export function parseIoregPlatformUuid(stdout: string): string | null {
  const match = /"IOPlatformUUID"\s*=\s*"([0-9A-Fa-f-]{36})"/.exec(stdout);
  return match ? match[1]!.toUpperCase() : null;
}

/** `fdesetup status`: FileVault on or off; anything else (an error, a pending change) is unknown. */
export function parseFdesetupStatus(stdout: string): DiskEncryption {
  const first = stdout.trim().split('\n')[0] ?? '';
  if (/^FileVault is On\b/.test(first)) return 'on';
  if (/^FileVault is Off\.?$/.test(first)) return 'off';
  return 'unknown';
}

/** `sw_vers -productVersion` → `macOS 14.5`. */
export function parseSwVers(stdout: string): string | null {
  const version = stdout.trim();
  return /^\d+(\.\d+){0,2}$/.test(version) ? `macOS ${version}` : null;
}
