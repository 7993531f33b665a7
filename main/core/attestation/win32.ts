import type { DiskEncryption } from './linux.js';

/** Windows evidence sources, as pure parsers over recorded command output. */

/** `reg query HKLM\SOFTWARE\Microsoft\Cryptography /v MachineGuid`. */
export function parseMachineGuid(stdout: string): string | null {
  const match = /MachineGuid\s+REG_SZ\s+([0-9A-Fa-f-]{36})/.exec(stdout);
  return match ? match[1]!.toLowerCase() : null;
}

/** `manage-bde -status C:`: its "Protection Status" line (needs an elevated prompt, else unknown). */
export function parseManageBde(stdout: string): DiskEncryption {
  const match = /Protection Status:\s*Protection (On|Off)/i.exec(stdout);
  if (!match) return 'unknown';
  return match[1]!.toLowerCase() === 'on' ? 'on' : 'off';
}

/** `(Get-BitLockerVolume -MountPoint C:).ProtectionStatus`: `On`/`Off` (or 1/0); else unknown. */
export function parsePowerShellProtectionStatus(stdout: string): DiskEncryption {
  const value = stdout.trim();
  if (value === 'On' || value === '1') return 'on';
  if (value === 'Off' || value === '0') return 'off';
  return 'unknown';
}
